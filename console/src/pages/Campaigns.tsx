import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Paper,
  Progress,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ok, type Body } from '../api/client';
import { can, useMe } from '../api/session';
import type { Campaign, Incident } from '../api/types';
import { useServerEvents } from '../components/live';
import { DataTable, Loading, PageTitle, Problem } from '../components/ui';
import { formatUk } from '../lib/time';
import { rateHoldLines, type CampaignHold } from '../lib/holds';
import type { Run } from './Analysis';

type Action = 'approve' | 'start' | 'pause' | 'resume' | 'cancel';

const ACTIONS: Record<string, Action[]> = {
  draft: ['approve', 'cancel'],
  approved: ['start', 'cancel'],
  scheduled: ['cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
};

const ACTION_WORDS: Record<Action, string> = {
  approve: 'Approve',
  start: 'Start sending',
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel campaign',
};

export const CAMPAIGN_STATUS: Record<string, string> = {
  draft: 'Waiting for approval',
  approved: 'Approved, not started',
  scheduled: 'Scheduled',
  running: 'Sending',
  paused: 'Paused',
  completed: 'Finished',
  cancelled: 'Cancelled',
};

type Policy = Body<'CreateCampaignDto'>['channelPolicy'];
const POLICIES: Array<{ value: Policy; label: string }> = [
  { value: 'sms_else_email', label: 'Text message, else email' },
  { value: 'sms', label: 'Text message only' },
  { value: 'email', label: 'Email only' },
  { value: 'both', label: 'Both text message and email' },
];

const MESSAGE_STATUS: Record<string, string> = {
  pending: 'waiting',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  failed: 'failed',
  undelivered: 'not delivered',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

const REASONS: Record<string, string> = {
  campaign_cancelled: 'The campaign was cancelled',
  opted_out: 'The customer asked for no texts (STOP)',
  sms_opt_out: 'The customer asked for no texts (STOP)',
  no_email: 'No email address on file',
  invalid_number: 'Not a valid mobile number',
};

const VAR_LABELS: Record<string, string> = {
  incidentTitle: 'Incident title, as customers will read it',
  offerName: 'Offer name',
  keyword: 'Keyword customers reply with to claim',
  // the notice's paragraphs (a breach notice: Regulation 611/2013 Annex II); links are filled in by Candor
  whatHappened: 'What happened',
  whenItHappened: 'When it happened (estimated date)',
  dataConcerned: 'What data is concerned',
  likelyConsequences: 'Likely consequences for the customer',
  otherCircumstances: 'Other relevant circumstances',
  measuresTaken: 'What we have done',
  measuresRecommended: 'What the customer should do',
  contactDetails: 'Who to contact (our contact point follows)',
  apology: 'Apology, in your words',
};

const varLabel = (v: string) => VAR_LABELS[v] ?? v.replace(/([A-Z])/g, ' $1').toLowerCase();

/** The new-campaign form's fields as labelled on screen (a paragraph's refusal names `vars.<name>`). */
function campaignLabels(varNames: string[]): Record<string, string> {
  const labels: Record<string, string> = {
    name: 'Campaign name',
    kind: 'Message',
    audienceRef: 'Customers from the analysis run',
    channelPolicy: 'How to reach them',
    incidentId: 'Incident',
    vars: 'The message text',
  };
  for (const v of varNames) labels[`vars.${v}`] = labels[v] = varLabel(v);
  return labels;
}

const pounds = (pence: number) => `£${(pence / 100).toFixed(2)}`;
const duration = (s: number | null) => {
  if (s === null) return 'as fast as the providers take them';
  if (s < 90) return `about ${Math.max(1, Math.round(s))} seconds`;
  const m = Math.round(s / 60);
  return m < 90 ? `about ${m} minutes` : `about ${Math.floor(m / 60)} h ${m % 60} min`;
};

interface Kind {
  kind: string;
  campaign: boolean;
  variables: string[];
}

interface TextPreview {
  text?: string;
  subject?: string;
  sms?: { encoding: string; segments: number };
  issues?: string[];
}

interface CampaignPreview {
  audience: number;
  withoutEmail: number;
  messages: { sms: number; email: number };
  perLocale: Array<{ channel: string; locale: string; count: number; segments?: number }>;
  costPence: number;
  quietHours?: { smsWaitUntil: string | null; waitSeconds: number };
  etaSeconds: { sms: number | null; email: number | null };
  holds?: CampaignHold[];
}

export interface CampaignProgress {
  id: string;
  status: string;
  hold: { reason: 'paused' | 'quiet_hours' | 'rate_limit'; until?: string; perSecond?: number } | null;
  totals: Record<string, number>;
  failures: Array<{ reason: string | null; count: number }>;
  ratePerSecond: number;
  etaSeconds: number | null;
  holds?: CampaignHold[];
}

/** What comms reads before sending: the SMS and the email as an English customer gets them. */
function TextPreviews({ kind, vars }: { kind: string; vars: Record<string, string> }) {
  const [debounced, setDebounced] = useState(vars);
  const key = JSON.stringify(vars);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(JSON.parse(key) as Record<string, string>), 400);
    return () => clearTimeout(t);
  }, [key]);
  const preview = (channel: 'sms' | 'email') =>
    ok(
      api.POST('/notifications/templates/preview', {
        body: { kind, locale: 'en', channel, vars: debounced },
      }),
    ) as Promise<unknown> as Promise<TextPreview>;
  const sms = useQuery({ queryKey: ['tpl', kind, 'sms', debounced], queryFn: () => preview('sms') });
  const email = useQuery({ queryKey: ['tpl', kind, 'email', debounced], queryFn: () => preview('email') });
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      <Paper withBorder p="xs" aria-label="Text message preview" component="section">
        <Text fw={600} size="sm">
          Text message (English)
        </Text>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {sms.data?.text ?? '…'}
        </Text>
        {sms.data?.sms && (
          <Text size="xs" mt={4}>
            {sms.data.sms.segments} part{sms.data.sms.segments === 1 ? '' : 's'} (
            {sms.data.sms.encoding === 'UCS-2' ? 'special characters: shorter parts' : 'plain characters'})
          </Text>
        )}
        {sms.data?.issues?.map((i) => (
          <Text size="xs" c="#a51d1d" key={i}>
            {i}
          </Text>
        ))}
        <Problem error={sms.error} />
      </Paper>
      <Paper withBorder p="xs" aria-label="Email preview" component="section">
        <Text fw={600} size="sm">
          Email (English)
        </Text>
        {email.data?.subject && <Text size="sm">Subject: {email.data.subject}</Text>}
        <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} lineClamp={8}>
          {email.data?.text ?? '…'}
        </Text>
        {email.data?.issues?.map((i) => (
          <Text size="xs" c="#a51d1d" key={i}>
            {i}
          </Text>
        ))}
        <Problem error={email.error} />
      </Paper>
    </SimpleGrid>
  );
}

function NewCampaignForm({ runId }: { runId: string | null }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const kinds = useQuery({
    queryKey: ['message-kinds'],
    queryFn: () => ok(api.GET('/notifications/templates')) as Promise<unknown> as Promise<Kind[]>,
  });
  const runs = useQuery({
    queryKey: ['analyses'],
    queryFn: () => ok(api.GET('/analyses')) as Promise<unknown> as Promise<Run[]>,
  });
  const incidents = useQuery({
    queryKey: ['incidents'],
    queryFn: () => ok(api.GET('/incidents')) as Promise<unknown> as Promise<Incident[]>,
  });
  const [f, setF] = useState({
    name: '',
    kind: 'breach-notice',
    run: runId ?? '',
    incident: '',
    policy: 'sms_else_email' as Policy,
    urgent: false,
  });
  const [vars, setVars] = useState<Record<string, string>>({});
  const set = (k: keyof typeof f) => (v: unknown) => setF((s) => ({ ...s, [k]: v }));
  const kind = kinds.data?.find((k) => k.kind === f.kind);
  const varNames = (kind?.variables ?? []).filter((v) => v !== 'firstName');
  // links are filled in by the server; an incident fills in its title
  useEffect(() => {
    setVars((old) => {
      const next: Record<string, string> = {};
      for (const v of varNames) next[v] = old[v] ?? '';
      return next;
    });
  }, [varNames.join(',')]);
  const chooseIncident = (id: string | null) => {
    set('incident')(id ?? '');
    const i = incidents.data?.find((x) => x.id === id);
    if (i && 'incidentTitle' in vars) setVars((v) => ({ ...v, incidentTitle: i.title }));
    if (i && !f.name) set('name')(`Notice: ${i.title}`);
  };
  const create = useMutation({
    mutationFn: async () => {
      if (!f.run) throw new Error('Please choose the analysis run whose customers to tell.');
      const body: Body<'CreateCampaignDto'> = {
        name: f.name.trim(),
        kind: f.kind,
        audienceType: 'analysis_run',
        audienceRef: f.run,
        channelPolicy: f.policy,
        vars,
        ignoreQuietHours: f.urgent,
        incidentId: f.incident || undefined,
      };
      return ok(
        api.POST('/campaigns', { body }),
        campaignLabels(varNames),
      ) as Promise<unknown> as Promise<Campaign>;
    },
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: ['campaigns'] });
      navigate(`/campaigns/${c.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const doneRuns = (runs.data ?? []).filter((r) => r.status === 'completed');
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-labelledby="new-campaign-h" mb="md">
      <Stack>
        <Title order={3} size="h4" id="new-campaign-h">
          New campaign
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Customers from the analysis run"
            required
            data={doneRuns.map((r) => ({
              value: r.runId,
              label: `${formatUk(r.createdAt)}: ${r.matchedSubscribers.toLocaleString('en-GB')} customers`,
            }))}
            value={f.run || null}
            onChange={(v) => set('run')(v ?? '')}
            nothingFoundMessage="No finished runs"
          />
          <Select
            label="Incident (optional)"
            data={(incidents.data ?? []).map((i) => ({ value: i.id, label: i.title }))}
            value={f.incident || null}
            onChange={chooseIncident}
            clearable
          />
          <TextInput
            label="Campaign name (staff only)"
            required
            value={f.name}
            onChange={(e) => set('name')(e.currentTarget.value)}
          />
          <Select
            label="Message"
            data={(kinds.data ?? [])
              .filter((k) => k.campaign)
              .map((k) => ({ value: k.kind, label: k.kind.replace(/-/g, ' ') }))}
            value={f.kind}
            onChange={(v) => set('kind')(v ?? 'breach-notice')}
            allowDeselect={false}
          />
          <Select
            label="How to reach them"
            data={POLICIES}
            value={f.policy}
            onChange={(v) => set('policy')(POLICIES.find((p) => p.value === v)?.value ?? 'sms_else_email')}
            allowDeselect={false}
          />
        </SimpleGrid>
        {varNames.map((v) => {
          const props = {
            label: varLabel(v),
            required: true,
            value: vars[v] ?? '',
            onChange: (e: { currentTarget: { value: string } }) => {
              const value = e.currentTarget.value;
              setVars((old) => ({ ...old, [v]: value }));
            },
          };
          return v.endsWith('Url') ? (
            <TextInput key={v} {...props} />
          ) : (
            <Textarea key={v} autosize {...props} />
          );
        })}
        <Checkbox
          label="Urgent: send text messages during quiet hours too"
          checked={f.urgent}
          onChange={(e) => set('urgent')(e.currentTarget.checked)}
        />
        {kind && <TextPreviews kind={f.kind} vars={vars} />}
        <Problem error={kinds.error ?? runs.error ?? create.error} />
        <Group>
          <Button type="submit" loading={create.isPending}>
            Create campaign
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function PreviewFigures({ id }: { id: string }) {
  const q = useQuery({
    queryKey: ['campaign-preview', id],
    queryFn: () =>
      ok(
        api.GET('/campaigns/{id}/preview', { params: { path: { id } } }),
      ) as Promise<unknown> as Promise<CampaignPreview>,
  });
  if (q.isPending) return <Loading what="the preview" />;
  if (!q.data) return <Problem error={q.error} />;
  const p = q.data;
  return (
    <Stack gap="xs" component="section" aria-labelledby="preview-h">
      <Title order={3} size="h4" id="preview-h">
        Before sending
      </Title>
      <Text size="sm">
        {p.audience.toLocaleString('en-GB')} customers: {p.messages.sms.toLocaleString('en-GB')} text messages
        and {p.messages.email.toLocaleString('en-GB')} emails. Estimated cost {pounds(p.costPence)}.
        {p.withoutEmail ? ` ${p.withoutEmail.toLocaleString('en-GB')} have no email address.` : ''}
      </Text>
      <Text size="sm">
        Time to send: texts {duration(p.etaSeconds.sms)}, emails {duration(p.etaSeconds.email)}.
        {p.quietHours?.smsWaitUntil
          ? ` Quiet hours: if started now, texts wait until ${formatUk(p.quietHours.smsWaitUntil)}.`
          : ''}
      </Text>
      {rateHoldLines(p.holds).map((line) => (
        <Text size="sm" key={line}>
          {line}
        </Text>
      ))}
      <DataTable
        label="Messages per channel and language"
        minWidth={320}
        head={['Channel', 'Language', 'Messages', 'Parts per text']}
        rows={p.perLocale.map((r) => ({
          key: `${r.channel}-${r.locale}`,
          cells: [
            r.channel === 'sms' ? 'Text message' : 'Email',
            r.locale === 'cy' ? 'Welsh' : 'English',
            r.count.toLocaleString('en-GB'),
            r.segments ?? '—',
          ],
        }))}
      />
    </Stack>
  );
}

function holdWords(p: CampaignProgress): string | null {
  if (!p.hold) return null;
  if (p.hold.reason === 'paused') return 'Paused by staff: nothing more is sent until it is resumed.';
  if (p.hold.reason === 'quiet_hours')
    return `Text messages are held for quiet hours until ${formatUk(p.hold.until)}; emails go now.`;
  return `Sending is paced by the rate limit (${p.hold.perSecond} a second).`;
}

function LiveProgress({ c, live }: { c: Campaign; live: CampaignProgress | null }) {
  const me = useMe();
  if (!live) return <Loading what="progress" />;
  const total = Object.values(live.totals).reduce((a, b) => a + b, 0);
  const done = total - (live.totals.pending ?? 0) - (live.totals.queued ?? 0) - (live.totals.sending ?? 0);
  const pct = total ? Math.round((100 * done) / total) : 0;
  const hold = holdWords(live);
  return (
    <Stack gap="xs" component="section" aria-labelledby="progress-h">
      <Title order={3} size="h4" id="progress-h">
        Progress
      </Title>
      <Progress value={pct} aria-label="Share of messages handled" size="lg" />
      <Text size="sm" role="status">
        {done.toLocaleString('en-GB')} of {total.toLocaleString('en-GB')} messages handled ({pct}%)
        {live.status === 'running' && live.etaSeconds ? `, ${duration(live.etaSeconds)} to go` : ''}
        {live.ratePerSecond ? `, ${live.ratePerSecond} a second` : ''}.
      </Text>
      {hold && (
        <Text size="sm" fw={600}>
          {hold}
        </Text>
      )}
      {rateHoldLines(live.holds).map((line) => (
        <Text size="sm" fw={600} key={line}>
          {line}
        </Text>
      ))}
      <Text size="sm">
        {Object.entries(live.totals)
          .map(([s, n]) => `${MESSAGE_STATUS[s] ?? s}: ${n.toLocaleString('en-GB')}`)
          .join(' · ')}
      </Text>
      {live.failures.length > 0 && (
        <DataTable
          label="Failures by reason"
          minWidth={280}
          head={['Why not sent', 'Messages']}
          rows={live.failures.map((f) => ({
            key: f.reason ?? 'none',
            cells: [
              REASONS[f.reason ?? ''] ?? (f.reason ? f.reason.replace(/_/g, ' ') : 'no reason given'),
              f.count.toLocaleString('en-GB'),
            ],
          }))}
        />
      )}
      {can.supervise(me.data?.role) && (
        <Anchor href={`/campaigns/${c.id}/outcomes.csv`} download>
          Download every message's outcome (CSV)
        </Anchor>
      )}
    </Stack>
  );
}

/** A draft sent back with a comment; an edit (here: resubmitting it) puts it back in the inbox. */
function CampaignReturned({ c, mine }: { c: Campaign; mine: boolean }) {
  const qc = useQueryClient();
  const resubmit = useMutation({
    mutationFn: () => ok(api.PATCH('/campaigns/{id}', { params: { path: { id: c.id } }, body: {} })),
    onSuccess: () => void qc.invalidateQueries(),
  });
  return (
    <Alert color="#a51d1d" variant="light" title={`Sent back ${formatUk(c.returnedAt!)}`}>
      <Text size="sm">
        Comment from the supervisor: <q>{c.returnedComment}</q>
      </Text>
      {mine && (
        <Group mt="xs">
          <Button onClick={() => resubmit.mutate()} loading={resubmit.isPending}>
            Resubmit for approval
          </Button>
        </Group>
      )}
      <Problem error={resubmit.error} />
    </Alert>
  );
}

function CampaignPage({ id }: { id: string }) {
  const me = useMe();
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['campaign', id],
    queryFn: () =>
      ok(api.GET('/campaigns/{id}', { params: { path: { id } } })) as Promise<unknown> as Promise<Campaign>,
  });
  // the campaign's own live stream: its progress, and when it moves on (approved by someone else,
  // finished) the page refreshes
  const live = useServerEvents<CampaignProgress>(`/campaigns/${id}/events`, 'progress');
  const shown = q.data?.status;
  useEffect(() => {
    if (live && shown && live.status !== shown) void qc.invalidateQueries({ queryKey: ['campaign', id] });
  }, [live, shown, id, qc]);
  const act = useMutation({
    mutationFn: (a: Action) =>
      // approval names the paragraphs still to write: in the form's words, not `whatHappened`
      ok(
        api.POST(`/campaigns/{id}/${a}` as '/campaigns/{id}/start', { params: { path: { id } } }),
        VAR_LABELS,
      ),
    onSuccess: () => void qc.invalidateQueries(),
  });
  const c = q.data;
  if (!c)
    return (
      <>
        <PageTitle>Campaign</PageTitle>
        <Problem error={q.error} />
        {!q.error && <Loading what="the campaign" />}
      </>
    );
  const role = me.data?.role;
  const mine = c.createdBy === me.data?.user.id;
  const allowed = (ACTIONS[c.status] ?? []).filter((a) =>
    a === 'approve' ? can.supervise(role) && !mine && !c.returnedAt : can.write(role),
  );
  const sending = ['running', 'paused', 'completed', 'cancelled'].includes(c.status);
  return (
    <>
      <PageTitle
        extra={
          <Text size="sm">
            {c.kind.replace(/-/g, ' ')},{' '}
            {POLICIES.find((p) => p.value === c.channelPolicy)?.label.toLowerCase()}, created{' '}
            {formatUk(c.createdAt)}
          </Text>
        }
      >
        Campaign “{c.name}”
      </PageTitle>
      <Stack>
        <Group gap="xs">
          <Badge color="gray.7" size="lg">
            {CAMPAIGN_STATUS[c.status] ?? c.status}
          </Badge>
          {c.status === 'draft' && mine && !c.returnedAt && (
            <Text size="sm">A supervisor other than you approves it.</Text>
          )}
        </Group>
        {c.status === 'draft' && c.returnedAt && <CampaignReturned c={c} mine={mine} />}
        {!sending && can.write(role) && <PreviewFigures id={c.id} />}
        {sending && <LiveProgress c={c} live={live} />}
        {allowed.length > 0 && (
          <Group gap="xs">
            {allowed.map((a) => (
              <Button
                key={a}
                variant={a === 'cancel' ? 'light' : 'filled'}
                color={a === 'cancel' ? '#a51d1d' : undefined}
                loading={act.isPending && act.variables === a}
                onClick={() => {
                  if (
                    a === 'cancel' &&
                    !window.confirm('Cancel this campaign? Messages not yet sent are dropped.')
                  )
                    return;
                  act.mutate(a);
                }}
              >
                {ACTION_WORDS[a]}
              </Button>
            ))}
          </Group>
        )}
        <Problem error={act.error} />
      </Stack>
    </>
  );
}

function CampaignList() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const q = useQuery({
    queryKey: ['campaigns'],
    queryFn: () => ok(api.GET('/campaigns')) as Promise<unknown> as Promise<Campaign[]>,
  });
  const showForm = params.get('new') === '1';
  return (
    <>
      <PageTitle
        extra={
          can.write(me.data?.role) && !showForm ? (
            <Group>
              <Button onClick={() => setParams({ new: '1' })}>New campaign</Button>
            </Group>
          ) : null
        }
      >
        Campaigns
      </PageTitle>
      {showForm && <NewCampaignForm runId={params.get('run')} />}
      <Problem error={q.error} />
      {q.isPending ? (
        <Loading what="campaigns" />
      ) : q.data?.length ? (
        <DataTable
          label="Campaigns"
          minWidth={480}
          head={['Campaign', 'Status', 'Created']}
          rows={q.data.map((c) => ({
            key: c.id,
            cells: [
              <Anchor component={Link} to={`/campaigns/${c.id}`}>
                {c.name}
              </Anchor>,
              CAMPAIGN_STATUS[c.status] ?? c.status,
              formatUk(c.createdAt),
            ],
          }))}
        />
      ) : (
        <Text>No campaigns.</Text>
      )}
    </>
  );
}

export default function Campaigns() {
  const { id } = useParams();
  return id ? <CampaignPage id={id} /> : <CampaignList />;
}
