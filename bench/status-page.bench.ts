/* npm run bench -- status-page [seconds] [connections] [campaignSize]
   wrk against Candor's cached status page and against nginx serving the same HTML as a static file, in the
   same run, on this machine; then Candor again while a breach-notice campaign is sending SMS: a separate
   CANDOR_ROLE=worker process (the deployed shape: npm run start:worker) sends through its Twilio sandbox on
   the same two cores, while this process serves the page as CANDOR_ROLE=api.
   Targets (issue #5): Candor >= 25% of nginx's requests/s, p99 < 50 ms, 0 errors, also during the campaign. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { createApp } from '../src/bootstrap';
import { IncidentUpdatesService } from '../src/incidents/incident-updates.service';
import { IncidentsService } from '../src/incidents/incidents.service';
import { sha256 } from '../src/identity/secrets';
import { UsersService } from '../src/identity/users.service';
import { CampaignsService } from '../src/notifications/campaigns.service';
import { CampaignLifecycle } from '../src/notifications/campaign-lifecycle.service';
import { CampaignProgress } from '../src/notifications/campaign-progress.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { DataSource } from 'typeorm';
import { NOTICE_VARS } from '../test/helpers/notices';

export interface WrkResult {
  requestsPerSec: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  errors: number;
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  if (args[0] === 'pages') return pages(args.slice(1));
  const seconds = Number(args[0] ?? 10);
  const connections = Number(args[1] ?? 64);
  const campaignSize = Number(args[2] ?? 20000);
  const out = join(__dirname, '..', '..', 'bench', 'out', 'status-page');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'html'), { recursive: true });
  const dbName = `candor_bench_status_${randomBytes(4).toString('hex')}`;
  const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();

  const queuePrefix = `bench${randomBytes(3).toString('hex')}`;
  const app = await createApp({
    listen: false,
    overrides: {
      DATABASE_URL: dbUrl,
      QUEUE_PREFIX: queuePrefix,
      CANDOR_ROLE: 'api',
      LOG_LEVEL: 'warn',
      LOG_TARGET: 'stderr',
    },
  });
  let nginx: ReturnType<typeof spawn> | undefined;
  try {
    const url = await seedAndListen(app);
    const html = await (await fetch(url)).text();
    writeFileSync(join(out, 'html', 'status.html'), html);
    const nginxPort = await freePort();
    nginx = startNginx(out, nginxPort);
    await waitForHttp(`http://127.0.0.1:${nginxPort}/status`);
    const staticHtml = await (await fetch(`http://127.0.0.1:${nginxPort}/status`)).text();
    if (staticHtml !== html) throw new Error('nginx does not serve the same bytes');

    const nginxResult = await wrk(`http://127.0.0.1:${nginxPort}/status`, seconds, connections);
    const candor = await wrk(url, seconds, connections);
    const during = await duringCampaign(
      app,
      campaignSize,
      { DATABASE_URL: dbUrl, QUEUE_PREFIX: queuePrefix },
      () => wrk(url, seconds, connections),
    );
    const ratio = candor.requestsPerSec / nginxResult.requestsPerSec;
    const ratioDuring = during.wrk.requestsPerSec / nginxResult.requestsPerSec;
    const targets = (r: WrkResult, q: number) => ({
      ratioAtLeast25pct: q >= 0.25,
      p99Under50ms: r.p99ms < 50,
      zeroErrors: r.errors === 0,
    });
    const report = {
      seconds,
      connections,
      pageBytes: Buffer.byteLength(html),
      nginx: nginxResult,
      candor: { ...candor, ratio: Number(ratio.toFixed(3)), targets: targets(candor, ratio) },
      candorDuringCampaign: {
        ...during.wrk,
        ratio: Number(ratioDuring.toFixed(3)),
        targets: targets(during.wrk, ratioDuring),
        campaign: during.campaign,
      },
      notes:
        'same machine (2 shared cores) and run; nginx 1 worker process (Node serves from one thread); ' +
        'Candor CANDOR_ROLE=api with LOG_LEVEL=warn (the campaign: a CANDOR_ROLE=worker process); wrk uses 2 threads on the same cores',
    };
    const line = (name: string, r: WrkResult, q: number) =>
      `${name} ${r.requestsPerSec.toFixed(0)} req/s (p99 ${r.p99ms} ms, ${r.errors} errors): ${(q * 100).toFixed(1)}% of nginx\n`;
    process.stderr.write(
      `nginx ${nginxResult.requestsPerSec.toFixed(0)} req/s (p99 ${nginxResult.p99ms} ms)\n` +
        line('Candor', candor, ratio) +
        line(
          `Candor while sending (${during.campaign.smsDuringRun} SMS in the window)`,
          during.wrk,
          ratioDuring,
        ),
    );
    return report;
  } finally {
    nginx?.kill('SIGTERM');
    await app.close();
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * `npm run bench -- status-page pages [seconds] [connections]`: each customer page (home, My account's pages
 * signed in by the session cookie, "Not you?", a verify link), rendered per request (none is cached but the
 * home page), at low concurrency so p99 is render time rather than queueing. Target (issue #16): p99 < 50 ms.
 */
async function pages(args: string[]): Promise<Record<string, unknown>> {
  const seconds = Number(args[0] ?? 5);
  const connections = Number(args[1] ?? 4);
  const dbName = `candor_bench_pages_${randomBytes(4).toString('hex')}`;
  const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const app = await createApp({
    listen: false,
    overrides: {
      DATABASE_URL: dbUrl,
      QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}`,
      CANDOR_ROLE: 'api',
      LOG_LEVEL: 'warn',
      LOG_TARGET: 'stderr',
    },
  });
  try {
    const status = await seedAndListen(app);
    const base = status.replace(/\/status$/, '');
    const subscriber = await app
      .get(SubscribersService)
      .upsert({ accountId: 'BENCH-PAGES', msisdn: '07911 123456', email: 'bench@example.com' });
    const token = `cnd_c_bench${randomBytes(16).toString('hex')}`;
    const db = app.get(DataSource);
    await db.query(
      `INSERT INTO customer_sessions (subscriber_id, token_hash, expires_at) VALUES ($1, $2, now() + interval '1 hour')`,
      [subscriber.id, sha256(token)],
    );
    const headers = ['Accept: text/html', `Cookie: candor_customer=${token}`];
    const paths = [
      '/',
      '/account',
      '/account/messages',
      '/account/offers',
      '/account/number-change',
      '/account/updates',
      '/account/sign-in',
      '/not-me',
      '/verify/0000-ABCDEF',
    ];
    const results: Record<string, WrkResult & { status: number }> = {};
    for (const path of paths) {
      const res = await fetch(base + path, {
        headers: Object.fromEntries(headers.map((x) => x.split(': '))),
        redirect: 'manual',
      });
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      results[path] = { status: res.status, ...(await wrk(base + path, seconds, connections, headers)) };
      process.stderr.write(
        `${path}: ${results[path].requestsPerSec.toFixed(0)} req/s, p50 ${results[path].p50ms} ms, p99 ${results[path].p99ms} ms, ${results[path].errors} errors\n`,
      );
    }
    const worst = Math.max(...Object.values(results).map((r) => r.p99ms));
    return { seconds, connections, results, worstP99ms: worst, p99Under50ms: worst < 50 };
  } finally {
    await app.close();
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

/** An incident with a few published updates, like the first hours of the story; returns the page URL. */
async function seedAndListen(app: Awaited<ReturnType<typeof createApp>>): Promise<string> {
  await seedIncident(app);
  await new Promise<void>((resolve) => app.getHttpServer().listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/status`;
}

/** The incident and its published updates that the status page shows (the faults bench uses it too). */
export async function seedIncident(app: Awaited<ReturnType<typeof createApp>>): Promise<void> {
  const users = app.get(UsersService);
  const password = randomBytes(12).toString('hex');
  const comms = await users.create(
    { email: 'bench-comms@candor.test', displayName: 'Comms', role: 'comms', password },
    SYSTEM_ACTOR,
  );
  const sup = await users.create(
    { email: 'bench-sup@candor.test', displayName: 'Sup', role: 'supervisor', password },
    SYSTEM_ACTOR,
  );
  const asComms = { type: 'staff' as const, id: comms.id, role: 'comms' };
  const asSup = { type: 'staff' as const, id: sup.id, role: 'supervisor' };
  const incident = await app.get(IncidentsService).create(
    {
      title: 'Mobile numbers shared with websites',
      titleCy: 'Rhifau ffôn symudol wedi’u rhannu â gwefannau',
      impact: 'major',
      detectedAt: new Date(Date.now() - 4 * 3600_000).toISOString(),
      affectedServices: ['mobile web browsing'],
      advice: 'Be wary of unexpected calls and texts. We will never ask for your password.',
    },
    asComms,
  );
  const updates = app.get(IncidentUpdatesService);
  for (const template of ['investigating', 'identified', 'no-change', 'monitoring']) {
    const d = await updates.draft(incident.id, { template }, asComms);
    await updates.approve(incident.id, d.id, asSup);
    await updates.publish(incident.id, d.id, asComms);
  }
}

/** Seeds `size` subscribers, starts an SMS campaign to all of them and measures the page while it sends. */
async function duringCampaign(
  app: Awaited<ReturnType<typeof createApp>>,
  size: number,
  env: Record<string, string>,
  measure: () => Promise<WrkResult>,
): Promise<{ wrk: WrkResult; campaign: Record<string, unknown> }> {
  const db = app.get(DataSource);
  const subscribers = app.get(SubscribersService);
  for (let from = 0; from < size; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, size - from) }, (_, k) => {
      const e164 = `+447911${String(from + k).padStart(6, '0')}`;
      return [`BENCH-${from + k}`, e164, subscribers.hmac(e164)];
    });
    await db.query(
      `INSERT INTO subscribers (account_id, msisdn, msisdn_hmac) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
  }
  const worker = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      ...process.env,
      ...env,
      CANDOR_ROLE: 'worker',
      LOG_LEVEL: 'warn',
      DATABASE_MIGRATE_ON_START: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const users = app.get(UsersService);
  const [comms] = await users.findActiveByRoles(['comms']);
  const [sup] = await users.findActiveByRoles(['supervisor']);
  const campaigns = app.get(CampaignsService);
  const c = await campaigns.create(
    {
      name: 'Bench breach notice',
      kind: 'breach-notice',
      audienceType: 'all_subscribers',
      channelPolicy: 'sms',
      vars: { ...NOTICE_VARS, incidentTitle: 'Mobile numbers shared with websites' },
      ignoreQuietHours: true,
    } as any,
    { type: 'staff', id: comms.id, role: 'comms' },
  );
  await app.get(CampaignLifecycle).act(c.id, 'approve', { type: 'staff', id: sup.id, role: 'supervisor' });
  await app.get(CampaignLifecycle).act(c.id, 'start', { type: 'staff', id: comms.id, role: 'comms' });
  try {
    // Wait until messages flow, so the window measures the page while sending, not while building.
    const sent = async () =>
      Number((await db.query(`SELECT count(*) n FROM messages WHERE status IN ('sent', 'delivered')`))[0].n);
    for (let i = 0; i < 600 && (await sent()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const start = await sent();
    const result = await measure();
    const smsDuringRun = (await sent()) - start;
    const progress = await app.get(CampaignProgress).progress(c.id);
    return {
      wrk: result,
      campaign: { size, smsDuringRun, status: progress.status, totals: progress.totals },
    };
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
  }
}

function startNginx(out: string, port: number) {
  const dir = join(out, 'nginx');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${join(out, 'html')};
    location = /status { default_type "text/html; charset=utf-8"; try_files /status.html =404; }
  }
}
`,
  );
  return spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'inherit' });
}

/** Runs wrk asynchronously: Candor serves from this very process, so the event loop must stay free. */
export async function wrk(
  url: string,
  seconds: number,
  connections: number,
  headers: string[] = [],
  extra: string[] = [],
): Promise<WrkResult> {
  const h = headers.flatMap((x) => ['-H', x]);
  const threads = Math.min(2, connections);
  const child = spawn('wrk', [
    `-t${threads}`,
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...h,
    ...extra,
    url,
  ]);
  let text = '';
  let stderr = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`wrk failed: ${stderr}`);
  const num = (re: RegExp) => Number(text.match(re)?.[1] ?? NaN);
  const ms = (label: string) => {
    const m = text.match(new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`));
    if (!m) return NaN;
    const v = Number(m[1]);
    return Number((m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v).toFixed(2));
  };
  const socket = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const socketErrors = socket ? socket.slice(1).reduce((s, n) => s + Number(n), 0) : 0;
  return {
    requestsPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    p50ms: ms('50'),
    p99ms: ms('99'),
    requests: num(/(\d+) requests in/),
    errors: socketErrors + (num(/Non-2xx or 3xx responses: (\d+)/) || 0),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}
