import { Alert, Badge, Loader, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { countdown } from '../lib/time';

/** A page's title (the only h2 on the page; the shell's h1 names the console). */
export function PageTitle({ children, extra }: { children: ReactNode; extra?: ReactNode }) {
  return (
    <Stack gap={4} mb="md">
      <Title order={2}>{children}</Title>
      {extra}
    </Stack>
  );
}

export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert color="#a51d1d" title="That did not work" role="alert" variant="light">
      {(error as Error).message}
    </Alert>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <Text c="dimmed" role="status">
      <Loader size="xs" mr="xs" aria-hidden /> Loading {what}…
    </Text>
  );
}

const TONE = { ok: '#1e6b30', soon: '#9c3a00', overdue: '#a51d1d' } as const;

/** "Next update by" as a countdown: amber when due soon, red when overdue. */
export function Countdown({ at, now, label }: { at: string | null; now: number; label?: string }) {
  if (!at) return <Badge color="gray.7">No promise set</Badge>;
  const c = countdown(at, now);
  return (
    <Badge color={TONE[c.tone]} variant="filled" size="lg">
      {label ? `${label} ` : ''}
      {c.text}
    </Badge>
  );
}

const STATE_WORDS: Record<string, string> = {
  draft: 'Waiting for approval',
  returned: 'Sent back to the author',
  approved: 'Approved, not yet published',
  scheduled: 'Scheduled',
  published: 'Published',
  discarded: 'Discarded',
};

export function UpdateState({ status }: { status: string }) {
  const color =
    {
      draft: '#9c3a00',
      returned: '#a51d1d',
      approved: 'blue.9',
      scheduled: 'violet.9',
      published: '#1e6b30',
    }[status] ?? 'gray.7';
  return <Badge color={color}>{STATE_WORDS[status] ?? status.replace(/_/g, ' ')}</Badge>;
}

/** A table that scrolls sideways on a phone; focusable, so the keyboard can scroll it too. */
export function Scroll({
  children,
  label,
  minWidth,
}: {
  children: ReactNode;
  label: string;
  minWidth: number;
}) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: 'auto' }}>
      <div style={{ minWidth }}>{children}</div>
    </div>
  );
}

/** A plain table with a header row, in a sideways-scrolling region named `label`. */
export function DataTable({
  label,
  minWidth,
  head,
  rows,
}: {
  label: string;
  minWidth: number;
  head: string[];
  rows: Array<{ key: string; cells: ReactNode[] }>;
}) {
  return (
    <Scroll label={label} minWidth={minWidth}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            {head.map((h) => (
              <Table.Th key={h}>{h}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key}>
              {r.cells.map((c, i) => (
                <Table.Td key={i}>{c}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Scroll>
  );
}
