import { Badge, Button, Card, Checkbox, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useParams } from 'react-router';
import { api, ok, type Body } from '../api/client';
import { can, useMe } from '../api/session';
import type { NumberChangeRequest } from '../api/types';
import { useNow } from '../components/live';
import { Countdown, Loading, PageTitle, Problem } from '../components/ui';
import { roleLabel } from '../lib/roles';
import { formatUk, isoToUkLocal, ukLocalToIso } from '../lib/time';

/** Request states in the words an agent uses (never `number_reserved`). */
export const NC_STATE: Record<string, string> = {
  requested: 'Asked for',
  verified: 'Confirmed by the customer',
  number_reserved: 'New number chosen',
  approved: 'Approved',
  scheduled: 'Switch planned',
  completed: 'Switched',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

const EVENT: Record<string, string> = {
  request: 'Customer asked to change number',
  verify: 'Customer confirmed it',
  reserve: 'Customer chose a new number',
  choose: 'Customer chose a new number',
  approve: 'Approved',
  schedule: 'Switch planned',
  complete: 'Number switched',
  reject: 'Rejected',
  cancel: 'Cancelled',
  expire: 'Expired (not finished in time)',
  offer: 'Numbers offered to the customer',
  email_mismatch: 'Wrong email code (a fraud signal)',
  reported_not_me: 'Reported by "Not you?" and held',
  cutover_failed: 'The switch failed at the provider',
};

/** The request's fields as the card labels them, for refusals in the card's words. */
const LABELS = { reason: 'Reason for rejecting', at: 'Cutover at (UK time)' };

interface HistoryItem {
  id: string;
  at: string;
  actorType: string;
  actorRole: string | null;
  action: string;
  summary: Record<string, unknown>;
}

/** The request's history from the audit trail, oldest first, in words. */
function Timeline({ id }: { id: string }) {
  const q = useQuery({
    queryKey: ['number-change', id],
    queryFn: () =>
      ok(
        api.GET('/number-change/requests/{id}', { params: { path: { id } } }),
      ) as Promise<unknown> as Promise<{
        history: HistoryItem[];
      }>,
  });
  if (q.isPending) return <Loading what="history" />;
  if (!q.data) return <Problem error={q.error} />;
  const items = [...q.data.history].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <Stack component="ol" gap={2} aria-label="History" pl="md">
      {items.map((e) => {
        const what = e.action.replace(/^number_change\./, '');
        const who = e.actorType === 'staff' ? roleLabel(e.actorRole ?? 'staff') : e.actorType;
        const reason = typeof e.summary.reason === 'string' ? `: “${e.summary.reason}”` : '';
        const to = typeof e.summary.to === 'string' ? ` (now ${NC_STATE[e.summary.to] ?? e.summary.to})` : '';
        return (
          <Text component="li" size="sm" key={e.id}>
            {formatUk(e.at)} — {EVENT[what] ?? what.replace(/_/g, ' ')}
            {reason}
            {to}, by {who}
          </Text>
        );
      })}
    </Stack>
  );
}

function RequestCard({ r, now, open }: { r: NumberChangeRequest; now: number; open: boolean }) {
  const [showHistory, setShowHistory] = useState(open);
  const me = useMe();
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const [at, setAt] = useState(isoToUkLocal(new Date()));
  const path = { id: r.id };
  const act = useMutation({
    mutationFn: (what: 'approve' | 'reject' | 'schedule') => {
      if (what === 'reject') {
        const body: Body<'RejectDto'> = { reason: reason.trim() };
        return ok(api.POST('/number-change/requests/{id}/reject', { params: { path }, body }), LABELS);
      }
      if (what === 'schedule') {
        const iso = ukLocalToIso(at);
        if (!iso) throw new Error('Please enter the cutover time as a UK date and time.');
        const body: Body<'ScheduleDto'> = { at: iso };
        return ok(api.POST('/number-change/requests/{id}/schedule', { params: { path }, body }), LABELS);
      }
      return ok(api.POST('/number-change/requests/{id}/approve', { params: { path } }));
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['number-changes'] }),
  });
  const heldForMe = r.heldForSupervisor && !can.supervise(me.data?.role);
  return (
    <Card withBorder component="li">
      <Stack gap="xs">
        <Group gap="xs">
          <Title order={3} size="h5">
            Request of {formatUk(r.createdAt)}
          </Title>
          <Badge color="gray.7">{NC_STATE[r.state] ?? r.state.replace(/_/g, ' ')}</Badge>
          {r.heldForSupervisor && <Badge color="#9c3a00">Held for a supervisor</Badge>}
          {r.sla ? (
            <>
              <Text size="sm">SLA</Text>
              <Countdown at={r.sla.dueAt} now={now} />
            </>
          ) : (
            <Text size="sm">No due time</Text>
          )}
        </Group>
        {r.fraudSignals.length > 0 && (
          <Text size="sm">Fraud signals: {r.fraudSignals.map((s) => s.detail).join('; ')}</Text>
        )}
        {heldForMe ? (
          <Text size="sm">A supervisor must decide this request.</Text>
        ) : (
          <Group align="end" gap="xs">
            <Button
              onClick={() => act.mutate('approve')}
              aria-label={`Approve request of ${formatUk(r.createdAt)}`}
            >
              Approve
            </Button>
            <TextInput
              type="datetime-local"
              label="Cutover at (UK time)"
              value={at}
              onChange={(e) => setAt(e.currentTarget.value)}
            />
            <Button variant="light" onClick={() => act.mutate('schedule')}>
              Schedule
            </Button>
            <TextInput
              label="Reason for rejecting"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            <Button variant="light" color="#a51d1d" disabled={!reason} onClick={() => act.mutate('reject')}>
              Reject
            </Button>
          </Group>
        )}
        <Problem error={act.error} />
        <Group>
          <Button
            variant="subtle"
            size="xs"
            onClick={() => setShowHistory((v) => !v)}
            aria-expanded={showHistory}
          >
            {showHistory ? 'Hide history' : 'Show history'}
          </Button>
        </Group>
        {showHistory && <Timeline id={r.id} />}
      </Stack>
    </Card>
  );
}

export default function NumberChanges() {
  const { id } = useParams();
  const now = useNow();
  const [held, setHeld] = useState(false);
  const q = useQuery({
    queryKey: ['number-changes', held],
    queryFn: () =>
      ok(
        api.GET('/number-change/requests', { params: { query: held ? { held: true } : {} } }),
      ) as Promise<unknown> as Promise<NumberChangeRequest[]>,
  });
  const rows = (q.data ?? []).filter((r) => !id || r.id === id);
  return (
    <>
      <PageTitle extra={<Text size="sm">Open requests, the most urgent SLA first.</Text>}>
        Number changes
      </PageTitle>
      <Checkbox
        label="Only requests held for a supervisor"
        checked={held}
        onChange={(e) => setHeld(e.currentTarget.checked)}
        mb="md"
      />
      <Problem error={q.error} />
      {q.isPending ? (
        <Loading what="requests" />
      ) : rows.length ? (
        <Stack component="ul" p={0} style={{ listStyle: 'none' }}>
          {rows.map((r) => (
            <RequestCard key={r.id} r={r} now={now} open={!!id} />
          ))}
        </Stack>
      ) : (
        <Text>No open requests.</Text>
      )}
    </>
  );
}
