import { Anchor, Badge, Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, ok } from '../api/client';
import type { components } from '../api/schema';
import { Loading, PageTitle, Problem } from '../components/ui';
import { formatUk } from '../lib/time';

type Item = components['schemas']['InboxItemDto'];

const KIND = {
  update: 'Status update',
  campaign: 'Campaign',
  credit: 'Credit',
  number_change: 'Number change',
  offer: 'Offer',
} as const;

/** Approve or reject where the item's owner has a route for it; updates and campaigns open their page. */
function Decide({ item }: { item: Item }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const id = item.id;
  const decide = useMutation({
    mutationFn: async (yes: boolean) => {
      if (item.kind === 'credit')
        return yes
          ? ok(api.POST('/compensation/credits/{id}/approve', { params: { path: { id } } }))
          : ok(api.POST('/compensation/credits/{id}/reject', { params: { path: { id } }, body: { reason } }));
      if (item.kind === 'number_change')
        return yes
          ? ok(api.POST('/number-change/requests/{id}/approve', { params: { path: { id } } }))
          : ok(
              api.POST('/number-change/requests/{id}/reject', { params: { path: { id } }, body: { reason } }),
            );
      if (item.kind === 'offer')
        return ok(api.POST('/compensation/offers/{id}/approve', { params: { path: { id } } }));
      if (item.kind === 'campaign')
        return yes
          ? ok(api.POST('/campaigns/{id}/approve', { params: { path: { id } } }))
          : ok(api.POST('/campaigns/{id}/cancel', { params: { path: { id } }, body: { reason } }));
      // an update: approved where it belongs (its incident), found from the link
      const incidentId = item.link.split('/').pop()!;
      return ok(
        api.POST('/incidents/{id}/updates/{updateId}/approve', {
          params: { path: { id: incidentId, updateId: id } },
        }),
      );
    },
    onSuccess: () => void qc.invalidateQueries(),
  });
  // a campaign is rejected by cancelling it, with the reason kept in the audit trail
  const canReject = item.kind === 'credit' || item.kind === 'number_change' || item.kind === 'campaign';
  return (
    <Stack gap="xs">
      <Group align="end" gap="xs">
        <Button
          onClick={() => decide.mutate(true)}
          loading={decide.isPending}
          aria-label={`Approve: ${item.title}`}
        >
          Approve
        </Button>
        {canReject && (
          <>
            <TextInput
              label="Reason for rejecting"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            <Button variant="light" color="#a51d1d" disabled={!reason} onClick={() => decide.mutate(false)}>
              Reject
            </Button>
          </>
        )}
      </Group>
      <Problem error={decide.error} />
    </Stack>
  );
}

export default function Approvals() {
  const q = useQuery({ queryKey: ['approvals'], queryFn: () => ok(api.GET('/approvals')) });
  return (
    <>
      <PageTitle
        extra={
          <Text size="sm">Everything waiting for your decision, oldest first. It updates by itself.</Text>
        }
      >
        Approvals
      </PageTitle>
      <Problem error={q.error} />
      {q.isPending ? (
        <Loading what="approvals" />
      ) : q.data?.length ? (
        <Stack component="ul" p={0} style={{ listStyle: 'none' }}>
          {q.data.map((item) => (
            <Card withBorder component="li" key={`${item.kind}-${item.id}`}>
              <Stack gap="xs">
                <Group gap="xs">
                  <Badge color="indigo.9">{KIND[item.kind]}</Badge>
                  <Text size="sm">waiting since {formatUk(item.waitingSince)}</Text>
                </Group>
                <Title order={3} size="h4">
                  <Anchor component={Link} to={item.link.replace(/^\/console/, '')}>
                    {item.title}
                  </Anchor>
                </Title>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                  {item.detail}
                </Text>
                <Decide item={item} />
              </Stack>
            </Card>
          ))}
        </Stack>
      ) : (
        <Text>Nothing waits for your decision.</Text>
      )}
    </>
  );
}
