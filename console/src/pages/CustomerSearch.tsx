import { Anchor, Button, Group, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ok } from '../api/client';
import { Loading, PageTitle, Problem, Scroll } from '../components/ui';

const BY = {
  number: 'mobile number',
  account: 'account id',
  email: 'email address',
  name: 'first name',
} as const;

export default function CustomerSearch() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const navigate = useNavigate();
  const result = useQuery({
    queryKey: ['customer-search', q],
    enabled: q.trim().length >= 2,
    queryFn: async () => {
      const r = await ok(api.GET('/support/customers', { params: { query: { q } } }));
      // one match: straight to the customer's page
      if (r.customers.length === 1) navigate(`/customers/${r.customers[0].id}`, { replace: false });
      return r;
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams({ q: text.trim() });
  };
  return (
    <>
      <PageTitle>Find a customer</PageTitle>
      <form onSubmit={submit} role="search">
        <Group align="end">
          <TextInput
            label="Account id, mobile number, email or first name"
            description="Any format: 07911 123456, +44 7911 123456 and 447911123456 all work"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            miw={280}
            autoFocus
          />
          <Button type="submit">Search</Button>
        </Group>
      </form>
      <Problem error={result.error} />
      {result.isFetching && <Loading what="customers" />}
      {result.data && (
        <>
          <Text mt="md" role="status">
            {result.data.customers.length
              ? `${result.data.customers.length} found by ${BY[result.data.matchedBy]}`
              : `Nobody found by ${BY[result.data.matchedBy]}.`}
          </Text>
          {result.data.customers.length > 1 && (
            <Scroll label="Table" minWidth={480}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>Number</Table.Th>
                    <Table.Th>Email</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {result.data.customers.map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/customers/${c.id}`}>
                          {c.firstName ?? '(no name)'}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{c.accountId}</Table.Td>
                      <Table.Td>{c.msisdn}</Table.Td>
                      <Table.Td>{c.email ?? '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Scroll>
          )}
        </>
      )}
    </>
  );
}
