import {
  Anchor,
  Button,
  Checkbox,
  Group,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ok, type Body } from '../api/client';
import { can, useMe } from '../api/session';
import { useServerEvents } from '../components/live';
import { DataTable, Loading, PageTitle, Problem } from '../components/ui';
import { formatUk, isoToUkLocal, ukLocalToIso } from '../lib/time';

export interface Run {
  runId: string;
  status: string;
  incidentId: string | null;
  window: { from: string; to: string };
  partners: string[];
  files: Array<{ path: string; size: number; format: string; gzip: boolean }>;
  linesRead: number;
  linesMalformed: number;
  exposures: number;
  partnerExposures: number;
  distinctMsisdns: number;
  matchedSubscribers: number;
  unmatchedMsisdns: number;
  firstSeen: string | null;
  lastSeen: string | null;
  topHosts: Array<{ host: string; count: number }>;
  excluded: Record<string, number>;
  hours: Record<string, number>;
  progress: { bytesDone: number; bytesTotal: number };
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

interface InputFile {
  name: string;
  size: number;
  modifiedAt: string;
}

interface Matched {
  items: Array<{
    subscriberId: string;
    accountId: string;
    exposures: number;
    firstSeen: string;
    lastSeen: string;
    topHosts: string[];
  }>;
  nextAfter: string | null;
}

export const RUN_STATUS: Record<string, string> = {
  queued: 'Waiting to start',
  running: 'Running',
  completed: 'Finished',
  failed: 'Failed',
};

const EXCLUSIONS: Record<string, string> = {
  outside_window: 'Outside the time window',
  connect: 'Encrypted tunnel (the header never reached the website)',
  cache_hit: 'Served from the gateway cache',
  denied: 'Denied by the gateway',
  not_forwarded: 'Not forwarded to the website',
};

const int = (n: number) => n.toLocaleString('en-GB');
const size = (b: number) =>
  b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MB` : b >= 1024 ? `${Math.round(b / 1024)} KB` : `${b} B`;

function StartRunForm() {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const files = useQuery({
    queryKey: ['analysis-input-files'],
    queryFn: () => ok(api.GET('/analyses/input-files')) as Promise<unknown> as Promise<InputFile[]>,
  });
  const [picked, setPicked] = useState<string[]>([]);
  const [from, setFrom] = useState(isoToUkLocal(new Date(Date.now() - 2 * 86_400_000)));
  const [to, setTo] = useState(isoToUkLocal(new Date()));
  const [partners, setPartners] = useState('');
  const start = useMutation({
    mutationFn: async () => {
      if (!picked.length) throw new Error('Please pick at least one log file.');
      const f = ukLocalToIso(from);
      const t = ukLocalToIso(to);
      if (!f || !t) throw new Error('Please enter the window as UK dates and times.');
      const body: Body<'StartAnalysisDto'> = {
        files: picked,
        from: f,
        to: t,
        partners: partners
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      };
      return ok(api.POST('/analyses', { body }), {
        files: 'Log files',
        from: 'From (UK time)',
        to: 'To (UK time)',
        partners: 'Trusted partners',
      }) as Promise<unknown> as Promise<Run>;
    },
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ['analyses'] });
      navigate(`/analysis/${r.runId}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-labelledby="start-run-h" mb="md">
      <Stack>
        <Title order={3} size="h4" id="start-run-h">
          Start a run
        </Title>
        {files.isPending ? (
          <Loading what="log files" />
        ) : (
          <Checkbox.Group label="Log files in the input folder" value={picked} onChange={setPicked}>
            <Stack gap={4} mt={4}>
              {(files.data ?? []).map((f) => (
                <Checkbox
                  key={f.name}
                  value={f.name}
                  label={`${f.name} (${size(f.size)}, changed ${formatUk(f.modifiedAt)})`}
                />
              ))}
              {files.data?.length === 0 && <Text size="sm">The input folder has no log files.</Text>}
            </Stack>
          </Checkbox.Group>
        )}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            type="datetime-local"
            label="From (UK time)"
            required
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
          />
          <TextInput
            type="datetime-local"
            label="To (UK time, not included)"
            required
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
          />
          <TextInput
            label="Trusted partners (host endings, comma-separated)"
            value={partners}
            onChange={(e) => setPartners(e.currentTarget.value)}
          />
        </SimpleGrid>
        <Problem error={files.error ?? start.error} />
        <Group>
          <Button type="submit" loading={start.isPending}>
            Start analysis
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function Runs() {
  const me = useMe();
  const q = useQuery({
    queryKey: ['analyses'],
    queryFn: () => ok(api.GET('/analyses')) as Promise<unknown> as Promise<Run[]>,
  });
  return (
    <>
      <PageTitle extra={<Text size="sm">Find who was exposed in the gateway logs.</Text>}>Analysis</PageTitle>
      {can.supervise(me.data?.role) && <StartRunForm />}
      <Problem error={q.error} />
      {q.isPending ? (
        <Loading what="runs" />
      ) : (
        <DataTable
          label="Analysis runs"
          minWidth={480}
          head={['Started', 'Status', 'Numbers seen', 'Customers matched']}
          rows={(q.data ?? []).map((r) => ({
            key: r.runId,
            cells: [
              <Anchor component={Link} to={`/analysis/${r.runId}`}>
                {formatUk(r.createdAt)}
              </Anchor>,
              RUN_STATUS[r.status] ?? r.status,
              int(r.distinctMsisdns),
              int(r.matchedSubscribers),
            ],
          }))}
        />
      )}
    </>
  );
}

/** Exposures per UK day, or per hour for a short run: a plain SVG bar chart with the numbers as a table. */
function Chart({ hours }: { hours: Record<string, number> }) {
  const entries = Object.entries(hours);
  const hourly = entries.length <= 48;
  const rows: Array<[string, number]> = hourly
    ? entries.map(([h, n]) => [formatUk(h), n])
    : [
        ...entries
          .reduce((m, [h, n]) => {
            const day = formatUk(h).split(',')[0];
            return m.set(day, (m.get(day) ?? 0) + n);
          }, new Map<string, number>())
          .entries(),
      ];
  if (!rows.length) return <Text size="sm">No exposures in the window.</Text>;
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const w = 600;
  const barW = w / rows.length;
  return (
    <Stack gap="xs">
      <svg
        viewBox={`0 0 ${w} 120`}
        width="100%"
        height={120}
        role="img"
        aria-label={`Exposures per ${hourly ? 'hour' : 'day'}, highest ${int(max)}`}
      >
        {rows.map(([k, n], i) => (
          <rect
            key={k}
            x={i * barW + 1}
            width={Math.max(1, barW - 2)}
            y={120 - (n / max) * 116}
            height={(n / max) * 116}
            fill="#1c4f8a"
          />
        ))}
      </svg>
      <DataTable
        label={`Exposures per ${hourly ? 'hour' : 'day'}`}
        minWidth={280}
        head={[hourly ? 'Hour (UK time)' : 'Day (UK)', 'Exposures']}
        rows={rows.map(([k, n]) => ({ key: k, cells: [k, int(n)] }))}
      />
    </Stack>
  );
}

function MatchedSubscribers({ runId }: { runId: string }) {
  const q = useQuery({
    queryKey: ['analysis-subscribers', runId],
    queryFn: () =>
      ok(
        api.GET('/analyses/{id}/subscribers', {
          params: { path: { id: runId }, query: { limit: 100 } },
        }),
      ) as Promise<unknown> as Promise<Matched>,
  });
  if (q.isPending) return <Loading what="matched customers" />;
  return (
    <>
      <Problem error={q.error} />
      <DataTable
        label="Matched customers"
        minWidth={520}
        head={['Account', 'Exposures', 'First seen', 'Websites']}
        rows={(q.data?.items ?? []).map((s) => ({
          key: s.subscriberId,
          cells: [
            <Anchor component={Link} to={`/customers/${s.subscriberId}`}>
              {s.accountId}
            </Anchor>,
            int(s.exposures),
            formatUk(s.firstSeen),
            s.topHosts.join(', '),
          ],
        }))}
      />
      {q.data?.nextAfter && <Text size="sm">The first 100 are shown; the CSV has them all.</Text>}
    </>
  );
}

function RunPage({ id }: { id: string }) {
  const me = useMe();
  const first = useQuery({
    queryKey: ['analysis', id],
    queryFn: () =>
      ok(api.GET('/analyses/{id}', { params: { path: { id } } })) as Promise<unknown> as Promise<Run>,
  });
  const live = useServerEvents<Run>(`/analyses/${id}/events`, 'run');
  const r = live ?? first.data;
  const role = me.data?.role;
  if (!r)
    return (
      <>
        <PageTitle>Analysis run</PageTitle>
        <Problem error={first.error} />
        {!first.error && <Loading what="the run" />}
      </>
    );
  const done = r.status === 'completed';
  const pct = r.progress.bytesTotal ? Math.round((100 * r.progress.bytesDone) / r.progress.bytesTotal) : 0;
  return (
    <>
      <PageTitle
        extra={
          <Text size="sm">
            {r.files.map((f) => f.path).join(', ')}; window {formatUk(r.window.from)} to{' '}
            {formatUk(r.window.to)}
            {r.partners.length ? `; partners ${r.partners.join(', ')}` : ''}
          </Text>
        }
      >
        Analysis run of {formatUk(r.createdAt)}
      </PageTitle>
      <Stack>
        <Text role="status" fw={600}>
          {RUN_STATUS[r.status] ?? r.status}
          {r.status === 'running' ? ` — ${pct}% read` : ''}
          {r.finishedAt ? ` at ${formatUk(r.finishedAt)}` : ''}
        </Text>
        {!done && r.status !== 'failed' && <Progress value={pct} aria-label="Share of the logs read" />}
        {r.error && <Problem error={new Error(`The run stopped: ${r.error}`)} />}
        {done && (
          <>
            <SimpleGrid cols={{ base: 2, sm: 4 }}>
              {[
                ['Customers matched', r.matchedSubscribers],
                ['Numbers seen', r.distinctMsisdns],
                ['Exposures', r.exposures],
                ['Lines read', r.linesRead],
              ].map(([k, v]) => (
                <Paper withBorder p="xs" key={k}>
                  <Text size="sm">{k}</Text>
                  <Text fw={700} size="lg">
                    {int(v as number)}
                  </Text>
                </Paper>
              ))}
            </SimpleGrid>
            <Text size="sm">
              Seen from {formatUk(r.firstSeen)} to {formatUk(r.lastSeen)}. Numbers that are not our customers:{' '}
              {int(r.unmatchedMsisdns)}. Sent to trusted partners: {int(r.partnerExposures)}.
            </Text>
            <Group>
              {can.write(role) && (
                <Button component={Link} to={`/campaigns?new=1&run=${r.runId}`}>
                  Tell these customers (new campaign)
                </Button>
              )}
              {can.supervise(role) && (
                <Anchor href={`/analyses/${r.runId}/subscribers.csv`} download>
                  Download matched customers (CSV)
                </Anchor>
              )}
              <Anchor href={`/analyses/${r.runId}/report`} target="_blank">
                Text report
              </Anchor>
            </Group>
            <Title order={3} size="h4">
              When
            </Title>
            <Chart hours={r.hours} />
            <Title order={3} size="h4">
              Top websites
            </Title>
            <DataTable
              label="Top websites"
              minWidth={280}
              head={['Website', 'Exposures']}
              rows={r.topHosts.map((h) => ({ key: h.host, cells: [h.host || '(no host)', int(h.count)] }))}
            />
            <Title order={3} size="h4">
              Not counted, and why
            </Title>
            <Stack gap={2} component="ul">
              {Object.entries(r.excluded)
                .filter(([, n]) => n > 0)
                .map(([k, n]) => (
                  <Text component="li" size="sm" key={k}>
                    {EXCLUSIONS[k] ?? k}: {int(n)}
                  </Text>
                ))}
              {!Object.values(r.excluded).some((n) => n > 0) && (
                <Text component="li" size="sm">
                  Nothing excluded.
                </Text>
              )}
            </Stack>
            {can.support(role) && (
              <>
                <Title order={3} size="h4">
                  Matched customers
                </Title>
                <MatchedSubscribers runId={r.runId} />
              </>
            )}
          </>
        )}
      </Stack>
    </>
  );
}

export default function Analysis() {
  const { id } = useParams();
  return id ? <RunPage id={id} /> : <Runs />;
}
