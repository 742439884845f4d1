import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { api, ok } from '../api/client';
import type { paths } from '../api/schema';
import { can, useMe } from '../api/session';
import type { IncidentDetail, IncidentUpdate, UpdateTemplate } from '../api/types';
import { useNow } from '../components/live';
import { ReasonForm } from '../components/decision';
import { SubscriberPreview } from '../components/subscriber-preview';
import { Countdown, Loading, PageTitle, Problem, UpdateState } from '../components/ui';
import { privacyProblems } from '../lib/privacy';
import { formatUk, isoToUkLocal, ukLocalToIso } from '../lib/time';

const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'].map((s) => ({
  value: s,
  label: s[0].toUpperCase() + s.slice(1),
}));

function useIncident(id: string) {
  return useQuery({
    queryKey: ['incident', id],
    queryFn: () =>
      ok(
        api.GET('/incidents/{id}', { params: { path: { id } } }),
      ) as Promise<unknown> as Promise<IncidentDetail>,
  });
}

function DraftForm({
  incident,
  corrects,
  editing,
  onDone,
}: {
  incident: IncidentDetail;
  corrects?: IncidentUpdate;
  /** A sent-back draft: saving it resubmits it for approval. */
  editing?: IncidentUpdate;
  onDone: () => void;
}) {
  const qc = useQueryClient();
  const templates = useQuery({
    queryKey: ['update-templates'],
    queryFn: () =>
      ok(api.GET('/incidents/update-templates')) as Promise<unknown> as Promise<UpdateTemplate[]>,
    staleTime: Infinity,
  });
  const [template, setTemplate] = useState<string | null>(null);
  const from = editing ?? corrects;
  const [body, setBody] = useState(from?.body ?? '');
  const [bodyCy, setBodyCy] = useState(from?.bodyCy ?? '');
  const [status, setStatus] = useState<string>(from?.incidentStatus ?? incident.status);
  const [next, setNext] = useState(
    editing?.nextUpdateBy
      ? isoToUkLocal(new Date(editing.nextUpdateBy))
      : isoToUkLocal(new Date(Date.now() + 60 * 60_000)),
  );
  const services = incident.affectedServices.join(', ') || 'our services';
  const pick = (key: string | null) => {
    setTemplate(key);
    const t = templates.data?.find((x) => x.key === key);
    if (!t) return;
    setBody(t.body.replace(/\{\{services\}\}/g, services));
    setBodyCy(t.bodyCy.replace(/\{\{services\}\}/g, services));
    setStatus(t.incidentStatus);
  };
  const save = useMutation({
    mutationFn: () => {
      const nextUpdateBy = next ? ukLocalToIso(next) : null;
      if (next && !nextUpdateBy) throw new Error('Please enter the next update time as a UK date and time.');
      if (editing)
        return ok(
          api.PATCH('/incidents/{id}/updates/{updateId}', {
            params: { path: { id: incident.id, updateId: editing.id } },
            body: {
              body,
              bodyCy: bodyCy || undefined,
              incidentStatus: status as 'investigating',
              nextUpdateBy: nextUpdateBy ?? undefined,
            },
          }),
        );
      return ok(
        api.POST('/incidents/{id}/updates', {
          params: { path: { id: incident.id } },
          body: {
            body,
            bodyCy: bodyCy || undefined,
            incidentStatus: status as 'investigating',
            nextUpdateBy: nextUpdateBy ?? undefined,
            correctsId: corrects?.id,
          },
        }),
      );
    },
    onSuccess: () => {
      void qc.invalidateQueries();
      onDone();
    },
  });
  const problems = [...privacyProblems(body), ...privacyProblems(bodyCy)];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-labelledby="draft-h">
      <Stack>
        <Title order={3} size="h4" id="draft-h">
          {corrects
            ? 'Correct a published update'
            : editing
              ? 'Edit the update sent back to you'
              : 'Draft an update'}
        </Title>
        {editing?.returnedComment && <ReturnedNote u={editing} />}
        {!corrects && !editing && (
          <Select
            label="Start from a template"
            placeholder="Choose a template"
            data={(templates.data ?? []).map((t) => ({
              value: t.key,
              label: t.key[0].toUpperCase() + t.key.slice(1),
            }))}
            value={template}
            onChange={pick}
          />
        )}
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Textarea
            label="English"
            required
            autosize
            minRows={4}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
          />
          <Textarea
            label="Welsh (Cymraeg)"
            autosize
            minRows={4}
            value={bodyCy}
            onChange={(e) => setBodyCy(e.currentTarget.value)}
          />
        </SimpleGrid>
        {problems.length > 0 && (
          <Alert color="#a51d1d" title="Not allowed in public text" role="alert">
            This text {problems.join(' and ')}. Remove it: it would be refused at approval.
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Incident status this update announces"
            data={STATUSES}
            value={status}
            onChange={(v) => setStatus(v ?? status)}
            allowDeselect={false}
          />
          <TextInput
            type="datetime-local"
            label="Next update by (UK time)"
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
          />
        </SimpleGrid>
        {body && (
          <Card withBorder bg="gray.0" aria-label="Preview on the status page">
            <Text size="sm" fw={700}>
              Preview: how it reads on /status
            </Text>
            <Text size="sm" fw={600} mt={4}>
              {incident.title} — {status}
            </Text>
            <Text size="sm">{body}</Text>
            {next && <Text size="sm">Next update by {formatUk(ukLocalToIso(next))}</Text>}
          </Card>
        )}
        <SubscriberPreview
          incidentId={incident.id}
          draft={{
            body,
            bodyCy,
            incidentStatus: status,
            nextUpdateBy: next ? ukLocalToIso(next) : null,
            correctsId: corrects?.id,
          }}
        />
        <Problem error={save.error} />
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!body || problems.length > 0}>
            {editing ? 'Resubmit for approval' : 'Submit for approval'}
          </Button>
          <Button variant="subtle" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** The approver's comment on a sent-back draft, for its author. */
function ReturnedNote({ u }: { u: IncidentUpdate }) {
  return (
    <Alert color="#a51d1d" variant="light" title={`Sent back ${u.returnedAt ? formatUk(u.returnedAt) : ''}`}>
      <Text size="sm">
        Comment from the approver: <q>{u.returnedComment}</q>
      </Text>
      <Text size="xs">Edit it to resubmit it for approval.</Text>
    </Alert>
  );
}

function UpdateCard({
  u,
  incident,
  onCorrect,
  onEdit,
}: {
  u: IncidentUpdate;
  incident: IncidentDetail;
  onCorrect: (u: IncidentUpdate) => void;
  onEdit: (u: IncidentUpdate) => void;
}) {
  const me = useMe();
  const qc = useQueryClient();
  const [at, setAt] = useState(isoToUkLocal(new Date(Date.now() + 5 * 60_000)));
  const path = { id: incident.id, updateId: u.id };
  const act = useMutation({
    mutationFn: (what: 'approve' | 'publish' | 'schedule' | 'unschedule' | 'discard') => {
      if (what === 'schedule') {
        const publishAt = ukLocalToIso(at);
        if (!publishAt) throw new Error('Please enter the publication time as a UK date and time.');
        return ok(
          api.POST('/incidents/{id}/updates/{updateId}/schedule', { params: { path }, body: { publishAt } }),
        );
      }
      const route =
        `/incidents/{id}/updates/{updateId}/${what}` as '/incidents/{id}/updates/{updateId}/approve';
      return ok(api.POST(route, { params: { path } }));
    },
    onSuccess: () => void qc.invalidateQueries(),
  });
  const sendBack = useMutation({
    mutationFn: (comment: string) =>
      ok(api.POST('/incidents/{id}/updates/{updateId}/send-back', { params: { path }, body: { comment } })),
    onSuccess: () => void qc.invalidateQueries(),
  });
  const role = me.data?.role;
  const mine = me.data?.userId === u.createdBy;
  const mayApprove = !mine && incident.approverRoles.includes(role ?? '');
  return (
    <Card withBorder component="li" aria-label={`Update ${formatUk(u.createdAt)}`}>
      <Stack gap="xs">
        <Group gap="xs">
          <UpdateState status={u.status} />
          {u.correctsId && <Badge color="gray.7">Correction</Badge>}
          <Text size="sm">
            written {formatUk(u.createdAt)}
            {u.publishedAt ? ` · published ${formatUk(u.publishedAt)}` : ''}
            {u.scheduledFor && u.status === 'scheduled' ? ` · will publish ${formatUk(u.scheduledFor)}` : ''}
          </Text>
        </Group>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Text size="sm">{u.body}</Text>
          {u.bodyCy && (
            <Text size="sm" lang="cy">
              {u.bodyCy}
            </Text>
          )}
        </SimpleGrid>
        {u.nextUpdateBy && <Text size="sm">Promises the next update by {formatUk(u.nextUpdateBy)}</Text>}
        {u.status === 'returned' && <ReturnedNote u={u} />}
        {can.write(role) && (
          <Group gap="xs" align="end">
            {u.status === 'draft' && mayApprove && (
              <Button onClick={() => act.mutate('approve')}>Approve</Button>
            )}
            {u.status === 'draft' && mine && <Text size="sm">Waiting for someone else to approve.</Text>}
            {u.status === 'returned' && <Button onClick={() => onEdit(u)}>Edit and resubmit</Button>}
            {u.status === 'approved' && (
              <>
                <Button onClick={() => act.mutate('publish')}>Publish now</Button>
                <TextInput
                  type="datetime-local"
                  label="Publish at (UK time)"
                  value={at}
                  onChange={(e) => setAt(e.currentTarget.value)}
                />
                <Button variant="light" onClick={() => act.mutate('schedule')}>
                  Schedule
                </Button>
              </>
            )}
            {u.status === 'scheduled' && (
              <Button variant="light" onClick={() => act.mutate('unschedule')}>
                Take back (unschedule)
              </Button>
            )}
            {(u.status === 'draft' || u.status === 'returned' || u.status === 'approved') && (
              <Button variant="subtle" color="#a51d1d" onClick={() => act.mutate('discard')}>
                Discard
              </Button>
            )}
            {u.status === 'published' && !u.correctsId && (
              <Button variant="subtle" onClick={() => onCorrect(u)}>
                Correct this update
              </Button>
            )}
          </Group>
        )}
        <Problem error={act.error} />
        {can.write(role) && u.status === 'draft' && mayApprove && (
          <ReasonForm
            verb="Send back"
            label="Comment for the author"
            what={`update of ${formatUk(u.createdAt)}`}
            pending={sendBack.isPending}
            error={sendBack.error}
            onSubmit={(comment) => sendBack.mutate(comment)}
          />
        )}
      </Stack>
    </Card>
  );
}

type NoticeKind = paths['/incidents/{id}/regulator-notices/{kind}']['post']['parameters']['path']['kind'];

function RegulatorNotice({ incident }: { incident: IncidentDetail }) {
  const qc = useQueryClient();
  const [kind, setKind] = useState<string | null>(null);
  const [reference, setReference] = useState('');
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/incidents/{id}/regulator-notices/{kind}', {
          params: { path: { id: incident.id, kind: kind as NoticeKind } },
          body: { reference },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['incident', incident.id] }),
  });
  const open = incident.regulatorClocks.filter((c) => !c.state.startsWith('done'));
  if (!open.length) return null;
  return (
    <Paper
      withBorder
      p="md"
      component="form"
      onSubmit={(e) => (e.preventDefault(), save.mutate())}
      aria-labelledby="reg-h"
    >
      <Title order={3} size="h4" id="reg-h">
        Record a regulator notice
      </Title>
      <Group align="end" mt="xs">
        <Select
          label="Notice"
          data={open.map((c) => ({
            value: c.kind,
            label: c.label ?? c.kind,
          }))}
          value={kind}
          onChange={setKind}
        />
        <TextInput
          label="Regulator's reference"
          value={reference}
          onChange={(e) => setReference(e.currentTarget.value)}
        />
        <Button type="submit" disabled={!kind || !reference} loading={save.isPending}>
          Record
        </Button>
      </Group>
      <Problem error={save.error} />
    </Paper>
  );
}

export default function IncidentWorkspace() {
  const { id = '' } = useParams();
  const q = useIncident(id);
  const me = useMe();
  const now = useNow();
  const [drafting, setDrafting] = useState(false);
  const [correcting, setCorrecting] = useState<IncidentUpdate | undefined>();
  const [editing, setEditing] = useState<IncidentUpdate | undefined>();
  if (q.error) return <Problem error={q.error} />;
  if (!q.data) return <Loading what="the incident" />;
  const i = q.data;
  const updates = [...i.updates].reverse();
  return (
    <>
      <PageTitle
        extra={
          <Group gap="xs">
            <Badge color="gray.7">{i.status}</Badge>
            <Badge color="gray.7">impact: {i.impact}</Badge>
            <Text size="sm">Detected {formatUk(i.detectedAt)}</Text>
          </Group>
        }
      >
        {i.title}
      </PageTitle>
      <Stack>
        <Group gap="xs">
          <Text>Next public update</Text>
          <Countdown at={i.nextUpdateBy} now={now} />
          {i.nextUpdateBy && <Text size="sm">{formatUk(i.nextUpdateBy)}</Text>}
        </Group>
        <Group gap="md">
          {i.regulatorClocks.map((c) => (
            <Group gap={4} key={c.kind}>
              <Text size="sm">{c.kind === 'pecr_initial' ? 'ICO (PECR) 24 h:' : 'GDPR Art. 33 72 h:'}</Text>
              {c.state.startsWith('done') ? (
                <Badge color="#1e6b30">notified</Badge>
              ) : (
                <Countdown at={c.deadline} now={now} />
              )}
            </Group>
          ))}
        </Group>
        {can.write(me.data?.role) && !drafting && !correcting && !editing && (
          <Group>
            <Button onClick={() => setDrafting(true)}>Draft an update</Button>
          </Group>
        )}
        {(drafting || correcting || editing) && (
          <DraftForm
            key={editing?.id ?? correcting?.id ?? 'new'}
            incident={i}
            corrects={correcting}
            editing={editing}
            onDone={() => {
              setDrafting(false);
              setCorrecting(undefined);
              setEditing(undefined);
            }}
          />
        )}
        {can.supervise(me.data?.role) && <RegulatorNotice incident={i} />}
        <section aria-labelledby="timeline-h">
          <Title order={3} size="h4" id="timeline-h" mb="xs">
            Timeline
          </Title>
          {updates.length ? (
            <Stack component="ul" gap="sm" p={0} style={{ listStyle: 'none' }}>
              {updates.map((u) => (
                <UpdateCard key={u.id} u={u} incident={i} onCorrect={setCorrecting} onEdit={setEditing} />
              ))}
            </Stack>
          ) : (
            <Text>No updates yet.</Text>
          )}
        </section>
      </Stack>
    </>
  );
}
