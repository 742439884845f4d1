import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, ok } from '../api/client';
import { can, useMe } from '../api/session';
import type { Campaign } from '../api/types';
import { Loading, PageTitle, Problem } from '../components/ui';
import { formatUk } from '../lib/time';

const ACTIONS: Record<string, Array<'approve' | 'start' | 'pause' | 'resume' | 'cancel'>> = {
  draft: ['approve', 'cancel'],
  approved: ['start', 'cancel'],
  scheduled: ['cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
};

function CampaignCard({ c }: { c: Campaign }) {
  const me = useMe();
  const qc = useQueryClient();
  const progress = useQuery({
    queryKey: ['campaign-progress', c.id],
    queryFn: () =>
      ok(
        api.GET('/campaigns/{id}/progress', { params: { path: { id: c.id } } }),
      ) as Promise<unknown> as Promise<Record<string, unknown>>,
    enabled: ['running', 'paused', 'completed'].includes(c.status),
  });
  const act = useMutation({
    mutationFn: (a: string) =>
      ok(api.POST(`/campaigns/{id}/${a}` as '/campaigns/{id}/start', { params: { path: { id: c.id } } })),
    onSuccess: () => void qc.invalidateQueries(),
  });
  const allowed = (ACTIONS[c.status] ?? []).filter((a) =>
    a === 'approve' ? can.supervise(me.data?.role) : can.write(me.data?.role),
  );
  return (
    <Card withBorder component="li">
      <Group gap="xs">
        <Title order={3} size="h5">
          {c.name}
        </Title>
        <Badge color="gray.7">{c.status}</Badge>
        <Text size="sm">
          {c.kind.replace(/[-_]/g, ' ')}, {c.channelPolicy.replace(/_/g, ' ')}, created{' '}
          {formatUk(c.createdAt)}
        </Text>
      </Group>
      {progress.data && (
        <Text size="sm" mt="xs">
          Progress: {JSON.stringify(progress.data.totals ?? progress.data)}
        </Text>
      )}
      <Group gap="xs" mt="xs">
        {allowed.map((a) => (
          <Button
            key={a}
            size="xs"
            variant={a === 'cancel' ? 'subtle' : 'light'}
            onClick={() => act.mutate(a)}
          >
            {a[0].toUpperCase() + a.slice(1)}
          </Button>
        ))}
      </Group>
      <Problem error={act.error} />
    </Card>
  );
}

export default function Campaigns() {
  const { id } = useParams();
  const q = useQuery({
    queryKey: ['campaigns'],
    queryFn: () => ok(api.GET('/campaigns')) as Promise<unknown> as Promise<Campaign[]>,
  });
  const rows = (q.data ?? []).filter((c) => !id || c.id === id);
  return (
    <>
      <PageTitle
        extra={
          <Text size="sm">Creating a campaign from an analysis run is done through the API for now.</Text>
        }
      >
        Campaigns
      </PageTitle>
      <Problem error={q.error} />
      {q.isPending ? (
        <Loading what="campaigns" />
      ) : rows.length ? (
        <Stack component="ul" p={0} style={{ listStyle: 'none' }}>
          {rows.map((c) => (
            <CampaignCard key={c.id} c={c} />
          ))}
        </Stack>
      ) : (
        <Text>No campaigns.</Text>
      )}
    </>
  );
}
