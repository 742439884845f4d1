/* npm run bench -- campaign [--recipients N] [--workers 2] [--limited 3000] [--rate 100] [--pool 100000]
 *                          [--pool-rate 1000] [--pool-senders 4] [--smtp-connections 10]
 *
 * A campaign to N recipients (half SMS, half email) through the Twilio sandbox and the SMTP sink, sent by
 * worker processes (CANDOR_ROLE=worker). Reported against a baseline measured in the same run: the same
 * providers driven by a bare loop (twilio client + pooled nodemailer, same concurrency, no queue, no
 * database) — the ceiling the sinks and this machine allow. Also: audience build and enqueue rates, a
 * rate-limited campaign (achieved rate vs the limit), duplicates and losses counted at the sinks, and the
 * workers' peak memory for N/10 and N recipients (flat = the audience is never held in memory). */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import { getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { EMAIL_QUEUE, SMS_QUEUE } from '../src/notifications/queues';
import { createApp } from '../src/bootstrap';
import { CampaignsService } from '../src/notifications/campaigns.service';
import { CampaignLifecycle } from '../src/notifications/campaign-lifecycle.service';
import { EmailProvider, SmtpEmailProvider } from '../src/channels/email-provider';
import { TwilioSmsProvider } from '../src/channels/sms-provider';
import { dataSourceOptions, ensureDatabase } from '../src/platform/database';
import { Pseudonymiser } from '../src/platform/privacy';
import { SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SandboxProcess } from './sandbox-process';
import { NOTICE_VARS } from '../test/helpers/notices';

const KEY = 'bench-pseudonym-key-0123456789';
const MAIN = join(__dirname, '..', 'src', 'main.js');

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

const log = (s: string) => process.stderr.write(`[campaign] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const n = arg(args, 'recipients', 100_000);
  const workerCount = arg(args, 'workers', 2);
  const limitedN = arg(args, 'limited', 3000);
  const rate = arg(args, 'rate', 100); // segments per second of the single-sender run
  const poolN = arg(args, 'pool', 100_000); // recipients of the sender-pool run
  const poolRate = arg(args, 'pool-rate', 1000); // the pool's segments per second
  const poolSenders = arg(args, 'pool-senders', 4);
  const smtpConnections = arg(args, 'smtp-connections', 10); // per worker (SMTP_MAX_CONNECTIONS)
  // BENCH_PG_URL: the server (its maintenance database) to benchmark on, as the status-page bench; the bench
  // drops and creates only its own database there.
  const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = 'candor_bench_campaign';
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(dbUrl);
  const ds = new DataSource(dataSourceOptions(dbUrl));
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();

  if (args.includes('--only-paced'))
    return onlyPaced(dbUrl, limitedN, rate, poolN, poolRate, poolSenders, workerCount);
  const sms = await new TwilioSandbox().start();
  sms.callbackStatuses = []; // delivery callbacks are not what is measured here
  const mail = await new SmtpSink().start();
  mail.countOnly = true;

  log(`baseline: bare provider loop, ${workerCount * 50} in flight`);
  const baseline = await bareProviders(
    sms,
    mail,
    Math.min(20_000, n / 5),
    workerCount * 50,
    workerCount * smtpConnections,
  );

  const env = benchEnv(dbUrl, sms, mail, { SMTP_MAX_CONNECTIONS: String(smtpConnections) });
  let app = await createApp({ overrides: { ...env, CANDOR_ROLE: 'api' }, listen: false });
  const campaigns = app.get(CampaignsService);
  const db = app.get(DataSource);
  const actor = (id: string) => ({ type: 'staff' as const, id, role: 'supervisor' });

  const runs: Record<string, unknown>[] = [];
  try {
    for (const size of [Math.round(n / 10), n]) {
      await db.query(`TRUNCATE messages, campaign_audience, campaigns, subscribers CASCADE`);
      sms.messages.clear();
      mail.received = 0;
      log(`seeding ${size} subscribers (COPY)`);
      await seed(dbUrl, size);
      const workers = Array.from({ length: workerCount }, () => startWorker(env));
      await workersReady(app, workerCount);
      const c = await campaigns.create(
        {
          name: `bench ${size}`,
          kind: 'breach-notice',
          audienceType: 'all_subscribers',
          channelPolicy: 'sms_else_email', // half the subscribers have opted out of SMS: they get email
          vars: NOTICE_VARS,
          ignoreQuietHours: true,
        },
        actor('author'),
      );
      await app.get(CampaignLifecycle).act(c.id, 'approve', actor('approver'));
      const t0 = Date.now();
      const cpu0 = process.cpuUsage();
      const workerCpu0 = workers.map(cpuMs).reduce((a, b) => a + b, 0);
      await app.get(CampaignLifecycle).act(c.id, 'start', actor('author'));
      // start returns once the rows are committed and their jobs added; the build report says how long adding took
      const [{ build_report: report }] = await db.query(`SELECT build_report FROM campaigns WHERE id = $1`, [
        c.id,
      ]);
      const built = Date.now() - (report?.enqueueMs ?? 0);
      let enqueuedAt = 0;
      for (;;) {
        // EXISTS by the partial indexes: counting the campaign's rows ten times a second cost Postgres a
        // noticeable share of the CPU the campaign itself needs.
        const [{ pending, open }] = await db.query(
          `SELECT EXISTS (SELECT 1 FROM messages WHERE status = 'pending' AND campaign_id = $1) AS pending,
                  EXISTS (SELECT 1 FROM messages WHERE status IN ('pending','queued','sending')
                          AND campaign_id = $1) AS open`,
          [c.id],
        );
        if (!enqueuedAt && !pending) enqueuedAt = Date.now();
        if (!open) break;
        await sleep(100);
      }
      const done = Date.now();
      const benchCpu = process.cpuUsage(cpu0);
      const workerCpuMs = workers.map(cpuMs).reduce((a, b) => a + b, 0) - workerCpu0;
      const peaks = workers.map(peakRssMb);
      workers.forEach((w) => w.kill('SIGTERM'));
      await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
      const counts = await db.query(
        `SELECT channel, status, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY 1, 2`,
        [c.id],
      );
      const smsRows = counts
        .filter((r: any) => r.channel === 'sms')
        .reduce((a: number, r: any) => a + r.n, 0);
      const emailRows = counts
        .filter((r: any) => r.channel === 'email')
        .reduce((a: number, r: any) => a + r.n, 0);
      const perNumber = new Map<string, number>();
      for (const m of sms.messages.all) perNumber.set(m.to, (perNumber.get(m.to) ?? 0) + 1);
      const dupSms = [...perNumber.values()].filter((v) => v > 1).length;
      const r = {
        recipients: size,
        messages: smsRows + emailRows,
        buildRowsPerSecond: Math.round((smsRows + emailRows) / ((built - t0) / 1000)),
        enqueueRowsPerSecond: Math.round((smsRows + emailRows) / ((enqueuedAt - t0) / 1000)),
        endToEndSeconds: (done - t0) / 1000,
        messagesPerSecond: Math.round((smsRows + emailRows) / ((done - t0) / 1000)),
        smsAtSandbox: sms.messages.length,
        emailsAtSink: mail.received,
        duplicateSms: dupSms,
        lostSms: smsRows - perNumber.size,
        lostEmails: emailRows - mail.received,
        finalStatuses: counts,
        workerPeakRssMb: peaks,
        // CPU per message: this process (API, sandbox, sink) and the workers together (not Postgres, Redis)
        cpuMsPerMessage: {
          benchProcess: round3((benchCpu.user + benchCpu.system) / 1000 / (smsRows + emailRows)),
          workers: round3(workerCpuMs / (smsRows + emailRows)),
        },
      };
      log(JSON.stringify(r));
      runs.push(r);
    }

    await app.close();
    // A single sender at --rate segments/s (as before, now counted in segments), then the national-scale pool.
    const limited = await pacedRun(env, sms, limitedN, { Candor: rate }, workerCount);
    const pool = await pacedRun(env, sms, poolN, senderPool(poolRate, poolSenders), workerCount);
    app = await createApp({ overrides: { ...env, CANDOR_ROLE: 'api' }, listen: false });

    const full = runs[runs.length - 1] as any;
    const small = runs[0] as any;
    return {
      baseline,
      runs,
      limited,
      pool,
      ratios: {
        endToEndVsBareProviders:
          Math.round((full.messagesPerSecond / baseline.messagesPerSecond) * 100) / 100,
        workerPeakRssFullVsTenth:
          Math.round((Math.max(...full.workerPeakRssMb) / Math.max(...small.workerPeakRssMb)) * 100) / 100,
      },
      targets: {
        'enqueue >= 20,000 rows/s': full.enqueueRowsPerSecond >= 20_000,
        'end to end >= 2,000 msg/s': full.messagesPerSecond >= 2_000,
        'limited within 5% and never above':
          limited.achievedVsLimit >= 0.95 && limited.worstSecondSegments <= rate,
        'pool within 3%, worst second never above, no overflow, 0 lost, 0 duplicates':
          pool.achievedVsLimit >= 0.97 &&
          pool.worstSecondSegments <= pool.limitSegmentsPerSecond &&
          pool.worstSenderSecondVsItsLimit <= 1 &&
          pool.overflowErrors === 0 &&
          pool.lost === 0 &&
          pool.duplicates === 0,
        'zero duplicates and losses': full.duplicateSms === 0 && full.lostSms === 0 && full.lostEmails === 0,
      },
    };
  } finally {
    await app.close();
    await sms.stop();
    await mail.stop();
  }
}

/** `--only-paced`: the single-sender and pool runs alone (no baseline, no unlimited runs). */
async function onlyPaced(
  dbUrl: string,
  limitedN: number,
  rate: number,
  poolN: number,
  poolRate: number,
  poolSenders: number,
  workerCount: number,
) {
  const sms = await new TwilioSandbox().start();
  sms.callbackStatuses = [];
  const mail = await new SmtpSink().start();
  const env = benchEnv(dbUrl, sms, mail);
  try {
    const limited = limitedN ? await pacedRun(env, sms, limitedN, { Candor: rate }, workerCount) : null;
    const pool = await pacedRun(env, sms, poolN, senderPool(poolRate, poolSenders), workerCount);
    return { limited, pool };
  } finally {
    await sms.stop();
    await mail.stop();
  }
}

/** The environment of the bench's API and worker processes, against this run's database, sandbox and sink. */
function benchEnv(
  dbUrl: string,
  sms: TwilioSandbox,
  mail: SmtpSink,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: dbUrl,
    DATABASE_AUTO_CREATE: 'false',
    DATABASE_MIGRATE_ON_START: 'false',
    QUEUE_PREFIX: `bench${Date.now()}`,
    PSEUDONYM_KEY: KEY,
    TWILIO_ACCOUNT_SID: sms.accountSid,
    TWILIO_AUTH_TOKEN: sms.authToken,
    TWILIO_API_BASE_URL: sms.url,
    SMTP_URL: mail.url,
    SMS_QUIET_HOURS: 'off',
    LOG_LEVEL: 'warn',
    LOG_TARGET: 'stderr',
    SEND_CONCURRENCY: '50',
    ...extra,
  };
}

/** `senders` senders sharing `rate` segments per second equally: { Candor1: r, Candor2: r, ... }. */
const senderPool = (rate: number, senders: number): Record<string, number> =>
  Object.fromEntries(
    Array.from({ length: senders }, (_, i) => [`Candor${i + 1}`, Math.floor(rate / senders)]),
  );

/**
 * An SMS-only campaign to `count` recipients (the 2-segment breach notice) through a pool of senders with the
 * given segment rates, the sandbox modelling the same account: each sender drains its queue at its rate, and
 * the queue holds one second of its traffic (Twilio's holds hours: a second makes any sustained overshoot an
 * overflow error here). Measured on the sandbox's clock (when each request reached "Twilio"): the achieved
 * segment rate, the worst sliding second of the pool and of each sender, overflows, losses and duplicates.
 */
async function pacedRun(
  env: Record<string, string>,
  sms: TwilioSandbox,
  count: number,
  senders: Record<string, number>,
  workerCount: number,
) {
  const limit = Object.values(senders).reduce((a, b) => a + b, 0);
  const spec = Object.entries(senders)
    .map(([id, r]) => `${id}:${r}`)
    .join(',');
  log(`paced: ${count} SMS through SMS_SENDERS=${spec} (${limit} segments/s)`);
  // The sandbox in its own process, as a provider is (see sandbox-process.ts), with the same credentials.
  const provider = await SandboxProcess.start(sms.accountSid, sms.authToken);
  await provider.account({ senderRates: { ...senders }, queueSeconds: 1 });
  const pacedEnv = {
    ...env,
    SMS_SENDERS: spec,
    TWILIO_API_BASE_URL: provider.url,
    QUEUE_PREFIX: `${env.QUEUE_PREFIX}p${Object.keys(senders).length}`,
  };
  // The API builds the jobs (one row per job on a limited channel), so it runs with the pool too.
  const app = await createApp({ overrides: { ...pacedEnv, CANDOR_ROLE: 'api' }, listen: false });
  try {
    const campaigns = app.get(CampaignsService);
    const db = app.get(DataSource);
    await db.query(`TRUNCATE messages, campaign_audience, campaigns, subscribers CASCADE`);
    await seed(env.DATABASE_URL, count, false);
    const workers = Array.from({ length: workerCount }, () => startWorker(pacedEnv));
    await workersReady(app, workerCount);
    const actor = (id: string) => ({ type: 'staff' as const, id, role: 'supervisor' });
    const c = await campaigns.create(
      {
        name: `bench paced ${count}`,
        kind: 'breach-notice',
        audienceType: 'all_subscribers',
        channelPolicy: 'sms',
        vars: NOTICE_VARS,
        ignoreQuietHours: true,
      },
      actor('author'),
    );
    await app.get(CampaignLifecycle).act(c.id, 'approve', actor('approver'));
    await app.get(CampaignLifecycle).act(c.id, 'start', actor('author'));
    for (;;) {
      const [{ open }] = await db.query(
        `SELECT EXISTS (SELECT 1 FROM messages WHERE status IN ('pending','queued','sending')
                        AND campaign_id = $1) AS open`,
        [c.id],
      );
      if (!open) break;
      await sleep(500);
    }
    const got = await provider.collect();
    workers.forEach((w) => w.kill('SIGTERM'));
    await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
    const statuses = await db.query(
      `SELECT status, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY 1`,
      [c.id],
    );
    const all = got.messages;
    const perNumber = new Map<string, number>();
    for (const m of all) perNumber.set(m.to, (perNumber.get(m.to) ?? 0) + 1);
    // Segments per sliding second (a message's segments all count when it arrives), pool-wide and per sender.
    const worstSecond = (msgs: typeof all) => {
      const ev = msgs.map((m) => [m.at, m.numSegments] as const).sort((a, b) => a[0] - b[0]);
      let worst = 0;
      let inWindow = 0;
      for (let i = 0, j = 0; i < ev.length; i++) {
        inWindow += ev[i][1];
        while (ev[i][0] - ev[j][0] >= 1000) inWindow -= ev[j++][1];
        worst = Math.max(worst, inWindow);
      }
      return worst;
    };
    const times = all.map((m) => m.at);
    const span = (times.reduce((a, b) => Math.max(a, b)) - times.reduce((a, b) => Math.min(a, b))) / 1000;
    const segments = all.reduce((a, m) => a + m.numSegments, 0);
    // the first message's segments arrive at the start of the span: the rate is over the rest
    const achieved = (segments - all[0].numSegments) / span;
    const bySender = Object.entries(senders).map(([id, r]) => {
      const mine = all.filter((m) => m.from === id);
      return { sender: id, limit: r, messages: mine.length, worstSecondSegments: worstSecond(mine) };
    });
    const result = {
      limitSegmentsPerSecond: limit,
      senders: bySender,
      messages: all.length,
      segmentsPerMessage: [...new Set(all.map((m) => m.numSegments))],
      seconds: Math.round(span * 10) / 10,
      achievedSegmentsPerSecond: Math.round(achieved * 10) / 10,
      achievedVsLimit: Math.round((achieved / limit) * 1000) / 1000,
      messagesPerSecond: Math.round(((all.length - 1) / span) * 10) / 10,
      worstSecondSegments: worstSecond(all),
      worstSenderSecondVsItsLimit: Math.max(...bySender.map((x) => x.worstSecondSegments / x.limit)),
      overflowErrors: (got.refused[21611] ?? 0) + (got.refused[30001] ?? 0),
      refusedByCode: got.refused,
      sandboxLoopDelayMs: got.loopDelayMs,
      duplicates: [...perNumber.values()].filter((v) => v > 1).length,
      lost: count - perNumber.size,
      finalStatuses: statuses,
    };
    log(JSON.stringify(result));
    return result;
  } finally {
    await app.close();
    await provider.stop();
  }
}

/** N subscribers by COPY; with `halfEmail`, every other one has opted out of SMS and has an email. */
async function seed(url: string, n: number, halfEmail = true): Promise<void> {
  const p = new Pseudonymiser(KEY);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const rows = (function* () {
      for (let i = 0; i < n; i++) {
        const msisdn = `+4479${String(10_000_000 + i).padStart(8, '0')}`;
        const email = halfEmail && i % 2 === 1;
        yield `B${i}\t${msisdn}\t${p.pseudonym(msisdn)}\t${email ? `b${i}@example.org` : '\\N'}\tP${i}\t${i % 4 === 0 ? 'cy' : 'en'}\t${email}\n`;
      }
    })();
    await pipeline(
      Readable.from(rows),
      client.query(
        copyFrom(
          `COPY subscribers (account_id, msisdn, msisdn_hmac, email, first_name, locale, sms_opt_out) FROM STDIN`,
        ),
      ),
    );
  } finally {
    await client.end();
  }
}

/** The node flags `npm run start:worker` runs a worker with (its heap bound): the bench runs workers alike. */
function workerNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  return (pkg.scripts['start:worker'] as string).split(' ').filter((w) => w.startsWith('--'));
}

function startWorker(env: Record<string, string>): ChildProcess {
  // BENCH_WORKER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the workers.
  const nodeArgs = [
    ...workerNodeFlags(),
    ...(process.env.BENCH_WORKER_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
  return spawn(process.execPath, [...nodeArgs, MAIN], {
    env: { ...process.env, ...env, CANDOR_ROLE: 'worker' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Waits until every worker process is consuming both send queues (booting one takes seconds on a loaded
 * machine: the enqueue rate must not include it).
 */
async function workersReady(app: INestApplication, count: number): Promise<void> {
  const queues = [SMS_QUEUE, EMAIL_QUEUE].map((q) => app.get<Queue>(getQueueToken(q)));
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100))
    if ((await Promise.all(queues.map((q) => q.getWorkersCount()))).every((n) => n >= count)) return;
  throw new Error('the workers did not start');
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** CPU time (user + system) a live child has used so far, ms. */
function cpuMs(w: ChildProcess): number {
  const stat = readFileSync(`/proc/${w.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

function peakRssMb(w: ChildProcess): number {
  try {
    const kb = Number(readFileSync(`/proc/${w.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)![1]);
    return Math.round(kb / 1024);
  } catch {
    return -1;
  }
}

/**
 * The same providers, driven directly: `count` messages (half SMS, half email), `concurrency` at a time, over
 * as many pooled SMTP connections as the workers have together. Client and servers share this one process, so
 * its CPU time per message is what the providers alone cost (both ends of the wire): the machine's cores
 * divided by it bound any end-to-end rate here, whatever the pipeline around them.
 */
async function bareProviders(
  sms: TwilioSandbox,
  mail: SmtpSink,
  count: number,
  concurrency: number,
  smtpConnections: number,
) {
  const twilio = new TwilioSmsProvider({
    accountSid: sms.accountSid,
    authToken: sms.authToken,
    from: 'Candor',
    baseUrl: sms.url,
  });
  const email: EmailProvider = new SmtpEmailProvider(mail.url, 'bench@candor.test', smtpConnections);
  const body =
    'P1, we made a mistake: our web gateway shared your mobile number with websites. Ref 0001-ABCDEF';
  let next = 0;
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        if (i % 2)
          await email.send({
            to: `x${i}@example.org`,
            subject: 's',
            text: body,
            messageId: `<b${i}@candor.test>`,
          });
        else await twilio.send({ to: `+4479${String(20_000_000 + i).padStart(8, '0')}`, body });
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  email.close();
  sms.messages.clear();
  mail.received = 0;
  const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / count;
  return {
    messages: count,
    seconds,
    messagesPerSecond: Math.round(count / seconds),
    cpuMsPerMessage: Math.round(cpuMsPerMessage * 1000) / 1000,
    // every core doing nothing but the two ends of the providers' wire
    ceilingOnThisMachine: Math.round((cpus().length * 1000) / cpuMsPerMessage),
  };
}
