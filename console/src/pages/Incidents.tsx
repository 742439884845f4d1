import {
  Anchor,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, Body, ok } from '../api/client';
import { can, useMe } from '../api/session';
import type { Incident } from '../api/types';
import { PageTitle, Problem, Scroll } from '../components/ui';
import { roleLabel, roleOptions } from '../lib/roles';
import { formatUk, isoToUkLocal, ukLocalToIso } from '../lib/time';

const IMPACTS = [
  { value: 'critical', label: 'Critical' },
  { value: 'major', label: 'Major' },
  { value: 'minor', label: 'Minor' },
  { value: 'none', label: 'No customer impact' },
];

function OpenIncidentForm({ onDone }: { onDone: (id: string) => void }) {
  const me = useMe();
  const [f, setF] = useState({
    title: '',
    titleCy: '',
    services: '',
    impact: 'major',
    detected: isoToUkLocal(new Date()),
    cadence: 60 as number | string,
    approvers: ['supervisor'],
    breach: false,
    aware: isoToUkLocal(new Date()),
    lead: '',
    deputy: '',
  });
  // supervisors and admins pick the comms lead from the staff list; comms may name themselves
  const staff = useQuery({
    queryKey: ['users'],
    queryFn: () => ok(api.GET('/users')),
    enabled: can.supervise(me.data?.role),
  });
  // who may lead or deputise: active staff who write updates
  const writers = (staff.data ?? [])
    .filter((u) => u.active && u.role !== 'support')
    .map((u) => ({ value: u.id, label: `${u.displayName} (${roleLabel(u.role)})` }));
  const set = (k: keyof typeof f) => (v: unknown) => setF((s) => ({ ...s, [k]: v }));
  const create = useMutation({
    mutationFn: async () => {
      const detectedAt = ukLocalToIso(f.detected);
      if (!detectedAt) throw new Error('Please enter when the problem was detected (UK time).');
      const services = f.services
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const becameAwareAt = f.breach ? ukLocalToIso(f.aware) : null;
      if (f.breach && !becameAwareAt)
        throw new Error('Please enter when we became aware of the breach (UK time).');
      const body: Body<'CreateIncidentDto'> = {
        title: f.title,
        personalDataBreach: f.breach,
        becameAwareAt: becameAwareAt ?? undefined,
        commsLeadId: f.lead || undefined,
        commsDeputyId: f.deputy && f.deputy !== f.lead ? f.deputy : undefined,
        titleCy: f.titleCy || undefined,
        impact: f.impact as Body<'CreateIncidentDto'>['impact'],
        detectedAt,
        affectedServices: services,
        cadenceMinutes: Number(f.cadence) || 60,
        // only supervisors and admins may choose who approves
        approverRoles: can.supervise(me.data?.role)
          ? (f.approvers as Body<'CreateIncidentDto'>['approverRoles'])
          : undefined,
      };
      return ok(api.POST('/incidents', { body })) as Promise<unknown> as Promise<Incident>;
    },
    onSuccess: (i) => onDone(i.id),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-labelledby="open-form-h">
      <Stack>
        <Title order={3} size="h4" id="open-form-h">
          Open an incident
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Title (English)"
            required
            value={f.title}
            onChange={(e) => set('title')(e.currentTarget.value)}
          />
          <TextInput
            label="Title (Welsh)"
            value={f.titleCy}
            onChange={(e) => set('titleCy')(e.currentTarget.value)}
          />
          <TextInput
            label="Affected services (English, comma-separated)"
            value={f.services}
            onChange={(e) => set('services')(e.currentTarget.value)}
          />
          <Select
            label="Impact"
            data={IMPACTS}
            value={f.impact}
            onChange={(v) => set('impact')(v ?? 'major')}
            allowDeselect={false}
          />
          <NumberInput
            label="Update every (minutes)"
            min={5}
            max={1440}
            value={f.cadence}
            onChange={set('cadence')}
          />
          <TextInput
            type="datetime-local"
            label="Detected at (UK time)"
            required
            value={f.detected}
            onChange={(e) => set('detected')(e.currentTarget.value)}
          />
        </SimpleGrid>
        <Checkbox
          label="Personal-data breach (customers' data reached someone it should not): starts the regulator clocks"
          checked={f.breach}
          onChange={(e) => set('breach')(e.currentTarget.checked)}
        />
        {f.breach && (
          <TextInput
            type="datetime-local"
            label="We became aware at (UK time)"
            description="When there was credible evidence of the breach, not certainty"
            required
            value={f.aware}
            onChange={(e) => set('aware')(e.currentTarget.value)}
          />
        )}
        {can.supervise(me.data?.role) ? (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Comms lead (gets the update reminders)"
              data={writers}
              value={f.lead || null}
              onChange={(v) => set('lead')(v ?? '')}
              clearable
            />
            <Select
              label="Deputy comms lead (reminded with the lead)"
              data={writers.filter((u) => u.value !== f.lead)}
              value={f.deputy && f.deputy !== f.lead ? f.deputy : null}
              onChange={(v) => set('deputy')(v ?? '')}
              clearable
            />
          </SimpleGrid>
        ) : (
          <Checkbox
            label="I am the comms lead (I get the update reminders)"
            checked={f.lead === me.data?.user.id}
            onChange={(e) => set('lead')(e.currentTarget.checked ? (me.data?.user.id ?? '') : '')}
          />
        )}
        {can.supervise(me.data?.role) && (
          <MultiSelect
            label="Who approves updates"
            data={roleOptions(['supervisor', 'admin', 'comms'])}
            value={f.approvers}
            onChange={set('approvers')}
          />
        )}
        <Problem error={create.error} />
        <Group>
          <Button type="submit" loading={create.isPending}>
            Open incident
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export default function Incidents() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ['incidents'],
    queryFn: () => ok(api.GET('/incidents')) as Promise<unknown> as Promise<Incident[]>,
  });
  const showForm = params.get('new') === '1';
  return (
    <>
      <PageTitle
        extra={
          can.write(me.data?.role) && !showForm ? (
            <Group>
              <Button onClick={() => setParams({ new: '1' })}>Open an incident</Button>
            </Group>
          ) : null
        }
      >
        Incidents
      </PageTitle>
      {showForm && (
        <OpenIncidentForm
          onDone={(id) => {
            void qc.invalidateQueries({ queryKey: ['incidents'] });
            navigate(`/incidents/${id}`);
          }}
        />
      )}
      <Problem error={list.error} />
      <Scroll label="Table" minWidth={500}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Incident</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Impact</Table.Th>
              <Table.Th>Detected</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(list.data ?? []).map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/incidents/${i.id}`}>
                    {i.title}
                  </Anchor>
                </Table.Td>
                <Table.Td>{i.status}</Table.Td>
                <Table.Td>{i.impact}</Table.Td>
                <Table.Td>{formatUk(i.detectedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Scroll>
    </>
  );
}
