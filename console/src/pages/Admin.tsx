import {
  Badge,
  Button,
  Checkbox,
  Group,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok, type Body } from '../api/client';
import { can, useMe } from '../api/session';
import type { components } from '../api/schema';
import { Loading, PageTitle, Problem, Scroll } from '../components/ui';
import { auditWho, roleLabel, roleOptions } from '../lib/roles';
import { formatUk } from '../lib/time';

type User = components['schemas']['StaffUserDto'];
type Role = User['role'];
const ROLES: Role[] = ['comms', 'support', 'supervisor', 'admin'];
const ROLE_OPTIONS = roleOptions(ROLES);
const isRole = (r: string | null): r is Role => ROLES.includes(r as Role);
/** The user forms' fields as labelled on screen, for refusals in their words. */
const USER_LABELS = {
  email: 'Email',
  displayName: 'Name',
  role: 'Role',
  phone: 'Mobile',
  password: 'First password',
};

function UserRow({ u, admin }: { u: User; admin: boolean }) {
  const qc = useQueryClient();
  const [phone, setPhone] = useState(u.phone ?? '');
  const save = useMutation({
    mutationFn: (body: Body<'UpdateUserDto'>) =>
      ok(api.PATCH('/users/{id}', { params: { path: { id: u.id } }, body }), USER_LABELS),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['users'] }),
  });
  return (
    <Table.Tr>
      <Table.Td>
        {u.displayName}
        {u.serviceAccount && (
          <Badge size="sm" variant="outline" color="gray.8" ml="xs">
            Service account
          </Badge>
        )}
        <Text size="xs">{u.email}</Text>
      </Table.Td>
      <Table.Td>
        {admin ? (
          <Select
            aria-label={`Role of ${u.displayName}`}
            data={ROLE_OPTIONS}
            value={u.role}
            allowDeselect={false}
            onChange={(r) => isRole(r) && save.mutate({ role: r })}
            w={140}
          />
        ) : (
          roleLabel(u.role)
        )}
      </Table.Td>
      <Table.Td>
        {admin ? (
          <Group gap={4} wrap="nowrap">
            <TextInput
              aria-label={`Mobile of ${u.displayName}`}
              value={phone}
              onChange={(e) => setPhone(e.currentTarget.value)}
              w={160}
            />
            <Button size="xs" variant="light" onClick={() => save.mutate({ phone: phone.trim() || null })}>
              Save
            </Button>
          </Group>
        ) : (
          (u.phone ?? '—')
        )}
        <Problem error={save.error} />
      </Table.Td>
      <Table.Td>
        {u.active ? 'Active' : 'Deactivated'}
        {admin && (
          <Button
            size="xs"
            variant="subtle"
            color={u.active ? '#a51d1d' : undefined}
            onClick={() => save.mutate({ active: !u.active })}
          >
            {u.active ? 'Deactivate' : 'Reactivate'}
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function NewUser() {
  const qc = useQueryClient();
  const blank = {
    email: '',
    displayName: '',
    role: 'comms' as Role,
    password: '',
    phone: '',
    serviceAccount: false,
  };
  const [f, setF] = useState(blank);
  const create = useMutation({
    mutationFn: () => {
      const body: Body<'CreateUserDto'> = {
        email: f.email.trim(),
        displayName: f.displayName.trim(),
        role: f.role,
        // a service account has no password (the API refuses one): it signs in only with API keys
        password: f.serviceAccount ? undefined : f.password,
        serviceAccount: f.serviceAccount || undefined,
        phone: f.phone.trim() || undefined,
      };
      return ok(api.POST('/users', { body }), USER_LABELS);
    },
    onSuccess: () => {
      setF(blank);
      void qc.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const submit = (e: FormEvent) => (e.preventDefault(), create.mutate());
  return (
    <form onSubmit={submit} aria-labelledby="new-user-h">
      <Title order={3} size="h4" id="new-user-h" mt="md">
        Add a user
      </Title>
      <Group align="end" gap="xs">
        <TextInput
          label="Email"
          type="email"
          required
          value={f.email}
          onChange={(e) => setF({ ...f, email: e.currentTarget.value })}
        />
        <TextInput
          label="Name"
          required
          value={f.displayName}
          onChange={(e) => setF({ ...f, displayName: e.currentTarget.value })}
        />
        <Select
          label="Role"
          data={ROLE_OPTIONS}
          value={f.role}
          allowDeselect={false}
          onChange={(r) => isRole(r) && setF({ ...f, role: r })}
        />
        <TextInput
          label="Mobile (for reminders)"
          value={f.phone}
          onChange={(e) => setF({ ...f, phone: e.currentTarget.value })}
        />
        {!f.serviceAccount && (
          <TextInput
            label="First password (12+ characters)"
            type="password"
            required
            value={f.password}
            onChange={(e) => setF({ ...f, password: e.currentTarget.value })}
          />
        )}
        <Checkbox
          label="Service account (for automation; cannot sign in or approve)"
          checked={f.serviceAccount}
          onChange={(e) => setF({ ...f, serviceAccount: e.currentTarget.checked, password: '' })}
          mb={8}
        />
        <Button type="submit" loading={create.isPending}>
          Add
        </Button>
      </Group>
      <Problem error={create.error} />
    </form>
  );
}

function AuditLog() {
  const [action, setAction] = useState('');
  const [applied, setApplied] = useState('');
  const q = useQuery({
    queryKey: ['audit', applied],
    queryFn: () =>
      ok(
        api.GET('/audit', {
          params: { query: { action: applied || undefined, limit: 100 } },
        }),
      ),
  });
  const list = q.data?.items ?? [];
  return (
    <Stack>
      <form onSubmit={(e) => (e.preventDefault(), setApplied(action))}>
        <Group align="end">
          <TextInput
            label="Action (user.* for a prefix)"
            value={action}
            onChange={(e) => setAction(e.currentTarget.value)}
          />
          <Button type="submit">Filter</Button>
        </Group>
      </form>
      <Problem error={q.error} />
      <Scroll label="Table" minWidth={520}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Who</Table.Th>
              <Table.Th>On</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{formatUk(e.at)}</Table.Td>
                <Table.Td>{e.action}</Table.Td>
                <Table.Td>{auditWho(e)}</Table.Td>
                <Table.Td>{e.targetType ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Scroll>
    </Stack>
  );
}

const SELF = 'self';

function ApiKeys() {
  const qc = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => ok(api.GET('/users')) });
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: () =>
      ok(api.GET('/auth/api-keys')) as Promise<unknown> as Promise<
        Array<{
          id: string;
          name: string;
          userId: string;
          createdAt: string;
          revokedAt: string | null;
          lastUsedAt: string | null;
        }>
      >,
  });
  // a key is only for yourself or a named service account (the API refuses anyone else's): offer just those
  const [userId, setUserId] = useState<string>(SELF);
  const [name, setName] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  const owners = [
    { value: SELF, label: 'Myself' },
    ...(users.data ?? [])
      .filter((u) => u.serviceAccount && u.active)
      .map((u) => ({ value: u.id, label: `${u.displayName} (service account)` })),
  ];
  const create = useMutation({
    mutationFn: () => {
      const body: Body<'CreateApiKeyDto'> = {
        userId: userId === SELF ? undefined : userId,
        name: name.trim(),
      };
      return ok(api.POST('/auth/api-keys', { body }), {
        userId: 'For',
        name: 'Name',
      }) as Promise<unknown> as Promise<{ token: string }>;
    },
    onSuccess: (r) => {
      setShown(r.token);
      void qc.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/auth/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  return (
    <Stack>
      <form onSubmit={(e) => (e.preventDefault(), create.mutate())}>
        <Group align="end">
          <Select
            label="For"
            data={owners}
            value={userId}
            onChange={(v) => setUserId(v ?? SELF)}
            allowDeselect={false}
          />
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Button type="submit" disabled={!name.trim()}>
            Create key
          </Button>
        </Group>
      </form>
      {shown && (
        <Text role="status">
          Copy this key now; it is not shown again: <code>{shown}</code>
        </Text>
      )}
      <Problem error={create.error ?? revoke.error} />
      {(keys.data ?? []).map((k) => (
        <Group key={k.id} gap="xs">
          <Text>
            {k.name} — created {formatUk(k.createdAt)}
            {k.revokedAt
              ? `, revoked ${formatUk(k.revokedAt)}`
              : k.lastUsedAt
                ? `, last used ${formatUk(k.lastUsedAt)}`
                : ''}
          </Text>
          {!k.revokedAt && (
            <Button size="xs" variant="subtle" color="#a51d1d" onClick={() => revoke.mutate(k.id)}>
              Revoke
            </Button>
          )}
        </Group>
      ))}
    </Stack>
  );
}

export default function Admin() {
  const me = useMe();
  const admin = can.admin(me.data?.role);
  const users = useQuery({ queryKey: ['users'], queryFn: () => ok(api.GET('/users')) });
  return (
    <>
      <PageTitle>Admin</PageTitle>
      <Tabs defaultValue="users">
        <Tabs.List>
          <Tabs.Tab value="users">Users</Tabs.Tab>
          {admin && <Tabs.Tab value="keys">API keys</Tabs.Tab>}
          <Tabs.Tab value="audit">Audit log</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="users" pt="md">
          <Problem error={users.error} />
          {users.isPending ? (
            <Loading what="users" />
          ) : (
            <Scroll label="Table" minWidth={640}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>User</Table.Th>
                    <Table.Th>Role</Table.Th>
                    <Table.Th>Mobile for reminders</Table.Th>
                    <Table.Th>Access</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(users.data ?? []).map((u) => (
                    <UserRow key={u.id} u={u} admin={admin} />
                  ))}
                </Table.Tbody>
              </Table>
            </Scroll>
          )}
          {admin && <NewUser />}
        </Tabs.Panel>
        {admin && (
          <Tabs.Panel value="keys" pt="md">
            <ApiKeys />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="audit" pt="md">
          <AuditLog />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
