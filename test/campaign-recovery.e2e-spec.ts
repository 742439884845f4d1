import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchSizeFor } from '../src/notifications/queues';
import { SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { flushPrefix } from './helpers/redis';
import { count, staffTokens } from './helpers/staff';
import { NOTICE_VARS } from './helpers/notices';
import { outsideWorld } from './helpers/workers';

jest.setTimeout(300_000); // worker processes boot slowly on a loaded machine (20 s and more seen)

const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');

/**
 * Crash and loss recovery with real processes: the API runs here, send workers run as child processes
 * (`CANDOR_ROLE=worker`), and the Twilio sandbox and SMTP sink run in this process as the "outside world",
 * so they keep counting across worker deaths. Every recipient must get exactly one message.
 */
describe('campaign recovery: a worker killed with SIGKILL, Redis flushed mid-campaign', () => {
  let t: TestApp;
  let sms: TwilioSandbox;
  let mail: SmtpSink;
  let tokens: Record<string, string>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    sms = await new TwilioSandbox().start();
    mail = await new SmtpSink().start();
    t = await startTestApp({ CANDOR_ROLE: 'api', ...outsideWorld(sms, mail) }, undefined, { listen: true });
    ({ tokens } = await staffTokens(t));
  });

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await t?.close();
    await sms?.stop();
    await mail?.stop();
  });

  const logs = new Map<ChildProcess, string>();

  function startWorker(extra: Record<string, string> = {}): ChildProcess {
    const log = t.logFile.replace(/\.log$/, `-worker${workers.length}.log`);
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        ...t.env,
        CANDOR_ROLE: 'worker',
        LOG_FILE: log,
        SEND_STALE_SECONDS: '2',
        SEND_CALL_SETTLE_SECONDS: '12', // > the Twilio client's 10 s timeout: a slow call is never raced
        SWEEP_INTERVAL_SECONDS: '1',
        QUEUE_STALLED_INTERVAL_MS: '2000',
        SEND_CONCURRENCY: '10',
        SMS_QUIET_HOURS: 'off',
        ...extra,
      },
      stdio: 'ignore',
    });
    workers.push(child);
    logs.set(child, log);
    return child;
  }

  /** Resolves once a worker process has started its queue processors (it logs "workers running"). */
  const ready = (...children: ChildProcess[]) =>
    until(
      'the worker processes to start their processors',
      () =>
        children.every((c) => {
          try {
            return readFileSync(logs.get(c)!, 'utf8').includes('workers running');
          } catch {
            return false; // no log file yet
          }
        }),
      120_000,
    );

  async function seed(prefix: string, n: number): Promise<string[]> {
    const subs = t.get<SubscribersService>(SubscribersService);
    const numbers: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = await subs.upsert({
        accountId: `${prefix}-${i}`,
        msisdn: `07922${{ K: 1, R: 2, B: 3 }[prefix] ?? 4}${String(i).padStart(5, '0')}`,
        email: `${prefix.toLowerCase()}${i}@example.org`,
      });
      numbers.push(s.msisdn);
    }
    return numbers;
  }

  async function startCampaign(prefix: string, n: number, policy: string): Promise<string> {
    const auth = (r: string) => ({ authorization: `Bearer ${tokens[r]}` });
    const { body } = await t
      .http()
      .post('/campaigns')
      .set(auth('comms'))
      .send({
        name: `Recovery ${prefix}`,
        kind: 'breach-notice',
        audienceType: 'csv',
        channelPolicy: policy,
        vars: NOTICE_VARS,
      })
      .expect(201);
    const csv = 'account_id\n' + Array.from({ length: n }, (_, i) => `${prefix}-${i}`).join('\n');
    await t
      .http()
      .post(`/campaigns/${body.id}/audience`)
      .set(auth('comms'))
      .set('content-type', 'text/csv')
      .send(csv)
      .expect(201);
    await t.http().post(`/campaigns/${body.id}/approve`).set(auth('supervisor')).expect(200);
    await t.http().post(`/campaigns/${body.id}/start`).set(auth('comms')).expect(200);
    return body.id;
  }

  async function until(what: string, check: () => Promise<boolean> | boolean, ms = 60_000) {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const finished = (id: string) => async () =>
    (await count(
      t.db,
      `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status IN ('pending','queued','sending')`,
      [id],
    )) === 0;

  it('kill -9 between Twilio accepting and the outbox recording: every recipient still gets exactly one SMS', async () => {
    const numbers = await seed('K', 200);
    sms.callbackStatuses = []; // no delivery callbacks: only the lookup at Twilio can tell what went out
    const first = startWorker();
    await ready(first);
    const id = await startCampaign('K', 200, 'sms');
    await sms.messages.waitFor((all) => all.length >= 40, 90_000, 'the first 40 texts at the sandbox');
    // From now on Twilio accepts (stores) each message but answers late: the worker dies before recording.
    sms.holdResponseMs = 10_000;
    const accepted = sms.messages.length;
    await sms.messages.waitFor(
      (all) => all.length >= accepted + 5,
      60_000,
      '5 more texts accepted by the sandbox (answered late) before the kill',
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    sms.holdResponseMs = 0;
    const inFlight = await count(
      t.db,
      `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status = 'sending'`,
      [id],
    );
    expect(inFlight).toBeGreaterThanOrEqual(5); // accepted by Twilio, not recorded

    await ready(startWorker());
    await until('the campaign to finish', finished(id));
    const per = new Map<string, number>();
    for (const m of sms.messages.all) per.set(m.to, (per.get(m.to) ?? 0) + 1);
    expect(numbers.filter((n) => per.get(n) !== 1)).toEqual([]); // nobody missed, nobody twice
    const rows = await t.db.query(
      `SELECT status, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY 1`,
      [id],
    );
    expect(rows.filter((r: any) => !['sent', 'delivered'].includes(r.status))).toEqual([]);
    // the rows in flight at the crash were found at Twilio and recorded with its id, not sent again
    const recovered = await count(
      t.db,
      `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND attempts > 1 AND provider_id IS NOT NULL`,
      [id],
    );
    expect(recovered).toBeGreaterThanOrEqual(5);
    sms.callbackStatuses = ['sent', 'delivered'];
  });

  /** A campaign of `n` to both channels at `rate` a second, Redis wiped once `after` have gone out. */
  async function flushMidCampaign(prefix: string, n: number, rate: number, after: number) {
    const numbers = await seed(prefix, n);
    const emailsBefore = mail.received;
    for (const w of workers) w.kill('SIGKILL');
    await ready(
      startWorker({ SMS_RATE_PER_SECOND: String(rate), EMAIL_RATE_PER_SECOND: String(rate) }),
      startWorker({ SMS_RATE_PER_SECOND: String(rate), EMAIL_RATE_PER_SECOND: String(rate) }),
    );
    const id = await startCampaign(prefix, n, 'both');
    await until(
      'some sends',
      async () =>
        (await count(
          t.db,
          `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status IN ('sent','delivered')`,
          [id],
        )) >= after,
    );
    // Wipe every key of this test's queues (only ours: other suites share the Redis server).
    expect(await flushPrefix(t.env.QUEUE_PREFIX)).toBeGreaterThan(0);
    await until('the campaign to finish after the flush', finished(id), 90_000);
    const per = new Map<string, number>();
    for (const m of sms.messages.all) if (numbers.includes(m.to)) per.set(m.to, (per.get(m.to) ?? 0) + 1);
    expect(numbers.filter((n) => per.get(n) !== 1)).toEqual([]);
    // email: at most the sends in flight at the flush could repeat; here none were in flight twice
    expect(mail.received - emailsBefore).toBeGreaterThanOrEqual(n);
    expect(mail.received - emailsBefore).toBeLessThanOrEqual(n + 20);
    const mine = new RegExp(`^${prefix.toLowerCase()}\\d+@`);
    const ids = new Set(
      mail.messages.all.filter((m) => mine.test(m.envelopeTo[0])).map((m) => m.envelopeTo[0]),
    );
    expect(ids.size).toBe(n);
  }

  it('Redis flushed mid-campaign: the sweeper re-enqueues from Postgres, nothing lost or doubled', () =>
    flushMidCampaign('R', 150, 40, 40));

  it('the same with several paced rows a job (150 units/s: 3 rows a job)', async () => {
    expect(batchSizeFor(150)).toBe(3);
    await flushMidCampaign('B', 300, 150, 80);
  });
});
