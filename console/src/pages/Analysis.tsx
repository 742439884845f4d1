import { Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';
import { Loading, PageTitle, Problem, Scroll } from '../components/ui';
import { formatUk } from '../lib/time';

interface Run {
  runId: string;
  status: string;
  matchedSubscribers?: number;
  distinctMsisdns?: number;
  startedAt?: string;
  finishedAt?: string;
}

export default function Analysis() {
  const q = useQuery({
    queryKey: ['analyses'],
    queryFn: () => ok(api.GET('/analyses')) as Promise<unknown> as Promise<Run[]>,
  });
  return (
    <>
      <PageTitle
        extra={
          <Text size="sm">
            Runs so far. Starting a run from the console is not built yet (use the API or the CLI).
          </Text>
        }
      >
        Analysis
      </PageTitle>
      <Problem error={q.error} />
      {q.isPending ? (
        <Loading what="runs" />
      ) : (
        <Scroll label="Table" minWidth={480}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Finished</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Numbers seen</Table.Th>
                <Table.Th>Customers matched</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(q.data ?? []).map((r) => (
                <Table.Tr key={r.runId}>
                  <Table.Td>{formatUk(r.finishedAt ?? r.startedAt)}</Table.Td>
                  <Table.Td>{r.status}</Table.Td>
                  <Table.Td>{r.distinctMsisdns ?? '—'}</Table.Td>
                  <Table.Td>{r.matchedSubscribers ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Scroll>
      )}
    </>
  );
}
