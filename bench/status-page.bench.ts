/* npm run bench -- status-page [seconds] [connections]
   wrk against Candor's cached status page and against nginx serving the same HTML as a static file, in the
   same run, on this machine. Targets (issue #5): Candor >= 25% of nginx's requests/s, p99 < 50 ms, 0 errors. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { SYSTEM_ACTOR } from '../src/audit/actor';
import { createApp } from '../src/bootstrap';
import { IncidentUpdatesService } from '../src/incidents/incident-updates.service';
import { IncidentsService } from '../src/incidents/incidents.service';
import { UsersService } from '../src/identity/users.service';

interface WrkResult {
  requestsPerSec: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  errors: number;
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const seconds = Number(args[0] ?? 10);
  const connections = Number(args[1] ?? 64);
  const out = join(__dirname, '..', '..', 'bench', 'out', 'status-page');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'html'), { recursive: true });
  const dbName = `candor_bench_status_${randomBytes(4).toString('hex')}`;
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
    const ratio = candor.requestsPerSec / nginxResult.requestsPerSec;
    const report = {
      seconds,
      connections,
      pageBytes: Buffer.byteLength(html),
      candor,
      nginx: nginxResult,
      ratio: Number(ratio.toFixed(3)),
      targets: {
        ratioAtLeast25pct: ratio >= 0.25,
        p99Under50ms: candor.p99ms < 50,
        zeroErrors: candor.errors === 0,
      },
      notes:
        'same machine and run; nginx 1 worker process (Node serves from one thread); Candor with LOG_LEVEL=warn; ' +
        'the "while a campaign is sending" variant is not measured (notifications campaigns not on this branch)',
    };
    process.stderr.write(
      `status page: Candor ${candor.requestsPerSec.toFixed(0)} req/s (p99 ${candor.p99ms} ms, ${candor.errors} errors) vs ` +
        `nginx ${nginxResult.requestsPerSec.toFixed(0)} req/s (p99 ${nginxResult.p99ms} ms): ${(ratio * 100).toFixed(1)}%\n`,
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

/** An incident with a few published updates, like the first hours of the story; returns the page URL. */
async function seedAndListen(app: Awaited<ReturnType<typeof createApp>>): Promise<string> {
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
  await new Promise<void>((resolve) => app.getHttpServer().listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/status`;
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
async function wrk(url: string, seconds: number, connections: number): Promise<WrkResult> {
  const child = spawn('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', url]);
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

function freePort(): Promise<number> {
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
