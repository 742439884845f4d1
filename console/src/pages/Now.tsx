import { Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ok } from '../api/client';
import type { Incident, IncidentDetail } from '../api/types';
import { useNow } from '../components/live';
import { SentBackToMe } from '../components/decision';
import { Countdown, Loading, PageTitle, Problem } from '../components/ui';
import { formatUk } from '../lib/time';

const CLOCK_NAMES: Record<string, string> = {
  pecr_initial: 'ICO (PECR) within 24 h',
  gdpr_art33: 'GDPR Art. 33 within 72 h',
};

function OpenIncident({ id, now }: { id: string; now: number }) {
  const q = useQuery({
    queryKey: ['incident', id],
    queryFn: () =>
      ok(
        api.GET('/incidents/{id}', { params: { path: { id } } }),
      ) as Promise<unknown> as Promise<IncidentDetail>,
  });
  if (!q.data) return <Loading what="incident" />;
  const i = q.data;
  const waiting = i.updates.filter((u) => u.status === 'draft').length;
  const returned = i.updates.filter((u) => u.status === 'returned').length;
  return (
    <Card withBorder component="article" aria-labelledby={`inc-${id}`}>
      <Stack gap="xs">
        <Title order={3} size="h4" id={`inc-${id}`}>
          <Anchor component={Link} to={`/incidents/${i.id}`}>
            {i.title}
          </Anchor>
        </Title>
        <Group gap="xs">
          <Text size="sm">Next update</Text>
          <Countdown at={i.nextUpdateBy} now={now} />
          {i.nextUpdateBy && <Text size="sm">({formatUk(i.nextUpdateBy)})</Text>}
        </Group>
        {i.regulatorClocks.map((c) => (
          <Group gap="xs" key={c.kind}>
            <Text size="sm">{CLOCK_NAMES[c.kind] ?? c.kind}:</Text>
            {c.state.startsWith('done') ? (
              <Text size="sm">notified{c.state === 'done_late' ? ' (late)' : ''}</Text>
            ) : (
              <Countdown at={c.deadline} now={now} />
            )}
          </Group>
        ))}
        {waiting > 0 && <Text size="sm">{waiting} update(s) waiting for approval</Text>}
        {returned > 0 && <Text size="sm">{returned} update(s) sent back to the author</Text>}
      </Stack>
    </Card>
  );
}

export default function Now() {
  const now = useNow();
  const incidents = useQuery({
    queryKey: ['incidents'],
    queryFn: () => ok(api.GET('/incidents')) as Promise<unknown> as Promise<Incident[]>,
  });
  const inbox = useQuery({ queryKey: ['approvals'], queryFn: () => ok(api.GET('/approvals')) });
  const open = (incidents.data ?? []).filter((i) => i.status !== 'resolved');
  return (
    <>
      <PageTitle>Now</PageTitle>
      <Problem error={incidents.error} />
      <Stack>
        <section aria-labelledby="open-h">
          <Title order={2} size="h3" id="open-h" mb="xs">
            Open incidents
          </Title>
          {incidents.isPending ? (
            <Loading what="incidents" />
          ) : open.length ? (
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              {open.map((i) => (
                <OpenIncident key={i.id} id={i.id} now={now} />
              ))}
            </SimpleGrid>
          ) : (
            <Text>
              No open incidents.{' '}
              <Anchor component={Link} to="/incidents?new=1">
                Open one
              </Anchor>
              .
            </Text>
          )}
        </section>
        <section aria-labelledby="mine-h">
          <Title order={2} size="h3" id="mine-h" mb="xs">
            Waiting for me
          </Title>
          {inbox.data?.length ? (
            <Stack gap={4}>
              {inbox.data.slice(0, 5).map((i) => (
                <Anchor key={i.id} component={Link} to={i.link.replace(/^\/console/, '')}>
                  {i.title}
                </Anchor>
              ))}
              <Anchor component={Link} to="/approvals">
                All approvals
              </Anchor>
            </Stack>
          ) : (
            <Text>Nothing waits for your decision.</Text>
          )}
        </section>
        <SentBackToMe limit={5} />
      </Stack>
    </>
  );
}
