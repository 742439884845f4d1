import {
  Badge,
  Button,
  Card,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { api, ok, type Body } from '../api/client';
import { can, useMe } from '../api/session';
import { Loading, PageTitle, Problem, Scroll } from '../components/ui';
import { formatPounds, poundsToPence } from '../lib/money';
import { formatUk } from '../lib/time';

const CREDIT_STATE: Record<string, string> = {
  issued: 'Issued',
  pending_approval: 'Waiting for a supervisor',
  rejected: 'Rejected',
};

/**
 * A goodwill credit in pounds. The form holds one idempotency key until the credit is issued, so a double
 * click or a retry after a dropped connection replays the first answer and never pays twice.
 */
function CreditForm({ subscriberId }: { subscriberId: string }) {
  const qc = useQueryClient();
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const key = useRef(crypto.randomUUID());
  const [done, setDone] = useState<string | null>(null);
  const issue = useMutation({
    mutationFn: async () => {
      const amountPence = poundsToPence(amount);
      if (!amountPence) throw new Error('Enter the amount in pounds, for example 5.00');
      // the reason is required by the API (the ledger keeps why every penny was paid)
      const body: Body<'IssueCreditDto'> = {
        subscriberId,
        amountPence,
        reasonCode: 'goodwill',
        note: note.trim(),
      };
      const r = await api.POST('/compensation/credits', {
        params: { header: { 'Idempotency-Key': key.current } },
        body,
      });
      await ok(Promise.resolve(r), { amountPence: 'Amount', note: 'Reason' });
      return r.response.status;
    },
    onSuccess: (status) => {
      setDone(
        status === 202
          ? 'Sent to a supervisor for approval (over your limit).'
          : `Credit of ${formatPounds(poundsToPence(amount)!)} issued.`,
      );
      key.current = crypto.randomUUID();
      setAmount('');
      setNote('');
      void qc.invalidateQueries({ queryKey: ['customer', subscriberId] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (issue.isPending) return; // a second click while the first is on its way (the key covers retries too)
    setDone(null);
    issue.mutate();
  };
  return (
    <Card withBorder component="form" onSubmit={submit} aria-labelledby="credit-h">
      <Title order={3} size="h4" id="credit-h">
        Goodwill credit
      </Title>
      <Group align="end" mt="xs">
        <TextInput
          label="Amount in pounds (£)"
          placeholder="5.00"
          inputMode="decimal"
          required
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          w={160}
        />
        <Textarea
          label="Reason"
          description="Kept with the credit; at least 3 characters"
          required
          autosize
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          miw={220}
        />
        <Button type="submit" loading={issue.isPending}>
          Issue credit
        </Button>
      </Group>
      <Problem error={issue.error} />
      {done && (
        <Text role="status" mt="xs" c="#1e6b30" fw={600}>
          {done}
        </Text>
      )}
    </Card>
  );
}

function Reverse({ id, subscriberId }: { id: string; subscriberId: string }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const rev = useMutation({
    mutationFn: () => {
      const body: Body<'DecisionDto'> = { reason: reason.trim() };
      return ok(api.POST('/compensation/credits/{id}/reverse', { params: { path: { id } }, body }), {
        reason: 'Reason to reverse',
      });
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['customer', subscriberId] }),
  });
  return (
    <Group gap={4} align="end">
      <TextInput
        size="xs"
        label="Reason to reverse"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
      <Button size="xs" variant="light" color="#a51d1d" disabled={!reason} onClick={() => rev.mutate()}>
        Reverse
      </Button>
      <Problem error={rev.error} />
    </Group>
  );
}

export default function Customer() {
  const { id = '' } = useParams();
  const me = useMe();
  const q = useQuery({
    queryKey: ['customer', id],
    queryFn: () => ok(api.GET('/support/customers/{id}', { params: { path: { id } } })),
  });
  if (q.error) return <Problem error={q.error} />;
  if (!q.data) return <Loading what="the customer" />;
  const c = q.data;
  const ex = c.exposure;
  return (
    <>
      <PageTitle
        extra={
          <Group gap="xs">
            <Text>Account {c.accountId}</Text>
            <Text>{c.msisdn}</Text>
            {c.email && <Text>{c.email}</Text>}
            <Badge color="gray.7">{c.locale === 'cy' ? 'Welsh' : 'English'}</Badge>
            {c.smsOptOut && <Badge color="#9c3a00">Opted out of SMS</Badge>}
            {c.emailOptOut && <Badge color="#9c3a00">Opted out of email</Badge>}
          </Group>
        }
      >
        {c.firstName ?? 'Customer'}
      </PageTitle>
      <Stack>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Card withBorder>
            <Title order={3} size="h4">
              Exposure
            </Title>
            {!ex.analysed ? (
              <Text>No analysis has finished yet.</Text>
            ) : ex.exposure ? (
              <Text>
                Number seen {ex.exposure.count} times by {ex.exposure.websites.length} website(s), first{' '}
                {formatUk(ex.exposure.firstSeen)}, last {formatUk(ex.exposure.lastSeen)}:{' '}
                {ex.exposure.websites.join(', ')}
              </Text>
            ) : (
              <Text>Not affected (checked {formatUk(ex.checkedAt)}).</Text>
            )}
          </Card>
          <Card withBorder>
            <Title order={3} size="h4">
              Balance
            </Title>
            <Text size="xl" fw={700}>
              {formatPounds(c.balancePence)}
            </Text>
          </Card>
        </SimpleGrid>
        {can.support(me.data?.role) && <CreditForm subscriberId={c.id} />}
        <section aria-labelledby="credits-h">
          <Title order={3} size="h4" id="credits-h">
            Credits
          </Title>
          {c.credits.length ? (
            <Scroll label="Table" minWidth={480}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Amount</Table.Th>
                    <Table.Th>Reason</Table.Th>
                    <Table.Th>State</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {c.credits.map((cr) => (
                    <Table.Tr key={cr.id}>
                      <Table.Td>{formatUk(cr.createdAt)}</Table.Td>
                      <Table.Td>{formatPounds(cr.amountPence)}</Table.Td>
                      <Table.Td>{cr.note ?? cr.reasonCode.replace(/_/g, ' ')}</Table.Td>
                      <Table.Td>
                        {cr.reversedAt ? 'Reversed' : (CREDIT_STATE[cr.status] ?? cr.status)}
                        {can.supervise(me.data?.role) && cr.status === 'issued' && !cr.reversedAt && (
                          <Reverse id={cr.id} subscriberId={c.id} />
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Scroll>
          ) : (
            <Text>No credits.</Text>
          )}
        </section>
        <section aria-labelledby="msgs-h">
          <Title order={3} size="h4" id="msgs-h">
            Messages sent
          </Title>
          {c.messages.length ? (
            <Scroll label="Table" minWidth={520}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>When</Table.Th>
                    <Table.Th>What</Table.Th>
                    <Table.Th>By</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Reference</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {c.messages.map((m) => (
                    <Table.Tr key={m.id}>
                      <Table.Td>{formatUk(m.sentAt ?? m.createdAt)}</Table.Td>
                      <Table.Td>{m.kind.replace(/[-_]/g, ' ')}</Table.Td>
                      <Table.Td>{m.channel === 'sms' ? 'SMS' : 'Email'}</Table.Td>
                      <Table.Td>{m.status.replace(/_/g, ' ')}</Table.Td>
                      <Table.Td>{m.referenceCode}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Scroll>
          ) : (
            <Text>No messages.</Text>
          )}
        </section>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <section aria-labelledby="offers-h">
            <Title order={3} size="h4" id="offers-h">
              Offers
            </Title>
            {c.offers.length ? (
              c.offers.map((o) => (
                <Text key={o.id}>
                  {o.name}: {o.benefit} —{' '}
                  {o.claimedAt
                    ? `claimed ${formatUk(o.claimedAt)}`
                    : `open until ${formatUk(o.claimClosesAt)}`}
                </Text>
              ))
            ) : (
              <Text>No offers.</Text>
            )}
          </section>
          <section aria-labelledby="nc-h">
            <Title order={3} size="h4" id="nc-h">
              Number changes
            </Title>
            {c.numberChanges.length ? (
              c.numberChanges.map((r) => (
                <Text key={r.id}>
                  Requested {formatUk(r.createdAt)}: {r.state.replace(/_/g, ' ')}
                  {r.heldForSupervisor ? ' (held for a supervisor)' : ''}, due {formatUk(r.slaDueAt)}
                </Text>
              ))
            ) : (
              <Text>No number changes.</Text>
            )}
          </section>
        </SimpleGrid>
      </Stack>
    </>
  );
}
