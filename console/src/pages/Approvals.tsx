import { Anchor, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ok } from '../api/client';
import type { components } from '../api/schema';
import { ReasonForm, SentBackToMe } from '../components/decision';
import { Loading, PageTitle, Problem } from '../components/ui';
import { formatUk } from '../lib/time';

type Item = components['schemas']['InboxItemDto'];

const KIND = {
  update: 'Status update',
  campaign: 'Campaign',
  credit: 'Credit',
  number_change: 'Number change',
  offer: 'Offer',
  text_change: 'Public text change',
} as const;

/** Drafts go back to their author to edit and resubmit; everything else is rejected for good. */
const SENDS_BACK = new Set<Item['kind']>(['update', 'campaign']);

/** The incident an update or text change belongs to, from its console link. */
const incidentOf = (item: Item) => item.link.split('/').pop()!;

function approve(item: Item) {
  const id = item.id;
  switch (item.kind) {
    case 'credit':
      return ok(api.POST('/compensation/credits/{id}/approve', { params: { path: { id } } }));
    case 'number_change':
      return ok(api.POST('/number-change/requests/{id}/approve', { params: { path: { id } } }));
    case 'offer':
      return ok(api.POST('/compensation/offers/{id}/approve', { params: { path: { id } } }));
    case 'campaign':
      return ok(api.POST('/campaigns/{id}/approve', { params: { path: { id } } }));
    case 'text_change':
      return ok(
        api.POST('/incidents/{id}/text-changes/{changeId}/approve', {
          params: { path: { id: incidentOf(item), changeId: id } },
        }),
      );
    case 'update':
      return ok(
        api.POST('/incidents/{id}/updates/{updateId}/approve', {
          params: { path: { id: incidentOf(item), updateId: id } },
        }),
      );
  }
}

/** The decision's one field, as the form labels it (a refusal names it so, not `reason`). */
const WORDS = { reason: 'Reason', comment: 'Comment' };

function decline(item: Item, reason: string) {
  const id = item.id;
  switch (item.kind) {
    case 'credit':
      return ok(
        api.POST('/compensation/credits/{id}/reject', { params: { path: { id } }, body: { reason } }),
        WORDS,
      );
    case 'number_change':
      return ok(
        api.POST('/number-change/requests/{id}/reject', { params: { path: { id } }, body: { reason } }),
        WORDS,
      );
    case 'offer':
      return ok(
        api.POST('/compensation/offers/{id}/reject', { params: { path: { id } }, body: { reason } }),
        WORDS,
      );
    case 'campaign':
      return ok(
        api.POST('/campaigns/{id}/send-back', { params: { path: { id } }, body: { comment: reason } }),
        WORDS,
      );
    case 'text_change':
      return ok(
        api.POST('/incidents/{id}/text-changes/{changeId}/reject', {
          params: { path: { id: incidentOf(item), changeId: id } },
          body: { reason },
        }),
        WORDS,
      );
    case 'update':
      return ok(
        api.POST('/incidents/{id}/updates/{updateId}/send-back', {
          params: { path: { id: incidentOf(item), updateId: id } },
          body: { comment: reason },
        }),
        WORDS,
      );
  }
}

/** Approve, or send back / reject with the reason it requires; either way the item leaves the inbox. */
function Decide({ item }: { item: Item }) {
  const qc = useQueryClient();
  const done = () => void qc.invalidateQueries();
  const yes = useMutation({ mutationFn: () => approve(item), onSuccess: done });
  const no = useMutation({ mutationFn: (reason: string) => decline(item, reason), onSuccess: done });
  const back = SENDS_BACK.has(item.kind);
  return (
    <Stack gap="xs">
      <Group>
        <Button onClick={() => yes.mutate()} loading={yes.isPending} aria-label={`Approve: ${item.title}`}>
          Approve
        </Button>
      </Group>
      <Problem error={yes.error} />
      <ReasonForm
        verb={back ? 'Send back' : 'Reject'}
        label={back ? 'Comment for the author' : 'Reason for rejecting'}
        what={item.title}
        pending={no.isPending}
        error={no.error}
        onSubmit={(reason) => no.mutate(reason)}
      />
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
      <Stack>
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
        <SentBackToMe />
      </Stack>
    </>
  );
}
