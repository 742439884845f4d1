import { SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { createCsvCampaign, uploadAudience } from './helpers/campaigns';
import { createTestDatabase } from './helpers/db';
import { eventually } from './helpers/eventually';
import { PG_ADMIN_URL } from './helpers/pg';
import { count, staffTokens } from './helpers/staff';
import { TcpProxy } from './helpers/tcp-proxy';
import { outsideWorld, WorkerProcesses } from './helpers/workers';

jest.setTimeout(300_000); // worker boots take 20 s and more on a loaded machine

const N = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The campaign under faults: SMS and email to N subscribers while one worker process is killed with
 * SIGKILL, then the other, and PostgreSQL stops for 10 s (the workers reach it through a TCP proxy that cuts
 * every connection; the API here and the test reach it directly). The Twilio sandbox and the SMTP sink run in
 * this process, the outside world that keeps counting: every recipient gets exactly one SMS and one email, and
 * the campaign's own totals equal what the sinks received.
 */
describe('faults: a campaign through two worker kills and a PostgreSQL outage', () => {
  let pg: TcpProxy;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sms: TwilioSandbox;
  let mail: SmtpSink;
  let t: TestApp;
  let workers: WorkerProcesses;

  beforeAll(async () => {
    pg = await new TcpProxy(Number(new URL(PG_ADMIN_URL).port || 5432)).start();
    database = await createTestDatabase();
    sms = await new TwilioSandbox().start();
    mail = await new SmtpSink().start();
    t = await startTestApp(
      { CANDOR_ROLE: 'api', ...outsideWorld(sms, mail) },
      { dbUrl: database.url },
      { listen: true },
    );
    workers = new WorkerProcesses(t.logFile, {
      ...t.env,
      DATABASE_URL: pg.via(database.url),
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_QUERY_TIMEOUT_MS: '3000',
      SEND_STALE_SECONDS: '2',
      SEND_CALL_SETTLE_SECONDS: '12', // > the Twilio client's 10 s timeout: a slow call is never raced
      SWEEP_INTERVAL_SECONDS: '1',
      QUEUE_STALLED_INTERVAL_MS: '2000',
      SEND_CONCURRENCY: '10',
      // Paced so the faults land mid-campaign: ~25 SMS and ~15 emails a second across the workers.
      SMS_RATE_PER_SECOND: '60',
      EMAIL_RATE_PER_SECOND: '15',
    });
  });

  afterAll(async () => {
    pg?.up();
    await workers?.close();
    await t?.close();
    await pg?.stop();
    await database?.drop();
    await sms?.stop();
    await mail?.stop();
  });

  const sent = () => sms.messages.length + mail.received;

  it('delivers every SMS and every email exactly once, and the totals equal the sinks', async () => {
    const subs = t.get<SubscribersService>(SubscribersService);
    const numbers: string[] = [];
    for (let i = 0; i < N; i++) {
      const s = await subs.upsert({
        accountId: `F-${i}`,
        msisdn: `079233${String(i).padStart(5, '0')}`,
        email: `f${i}@example.org`,
      });
      numbers.push(s.msisdn);
    }
    const first = [workers.start(), workers.start()];
    await workers.ready(...first);

    const { tokens } = await staffTokens(t);
    const id = await createCsvCampaign(t, tokens.comms, 'F', 'both');
    await uploadAudience(t, tokens.comms, id, 'account_id\n' + numbers.map((_, i) => `F-${i}`).join('\n'));
    const auth = (role: 'comms' | 'supervisor') => ({ authorization: `Bearer ${tokens[role]}` });
    await t.http().post(`/campaigns/${id}/approve`).set(auth('supervisor')).expect(200);
    await t.http().post(`/campaigns/${id}/start`).set(auth('comms')).expect(200);

    // Fault 1 and 2: each worker in turn dies mid-send; a fresh one takes its place (as a supervisor would).
    await eventually(() => sent() >= 60, 60_000, 'the first sends');
    await workers.kill(first[0]);
    const second = workers.start();
    await eventually(() => sent() >= 160, 60_000, 'sends after the first kill');
    await workers.kill(first[1]);
    const third = workers.start();
    await workers.ready(second, third);

    // Fault 3: PostgreSQL away for 10 s while sends are under way.
    await eventually(() => sent() >= 260, 60_000, 'sends after the second kill');
    const before = sent();
    pg.down();
    await sleep(10_000);
    pg.up();
    expect(sent()).toBeLessThan(2 * N); // the outage landed mid-campaign
    expect(before).toBeLessThan(2 * N);

    await eventually(
      async () =>
        (await count(
          t.db,
          `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status IN ('pending','queued','sending')`,
          [id],
        )) === 0,
      120_000,
      'the campaign to finish after the faults',
    ).catch(async (e) => {
      // Say where it stuck: messages by channel, status and attempt.
      const rows = await t.db.query(
        `SELECT channel, status, attempts, count(*)::int n FROM messages WHERE campaign_id = $1 GROUP BY 1, 2, 3`,
        [id],
      );
      throw new Error(`${e.message}: ${JSON.stringify(rows)}`);
    });

    const smsPer = tally(sms.messages.all.map((m) => m.to));
    const mailPer = tally(mail.messages.all.map((m) => m.envelopeTo[0]));
    expect(numbers.filter((n) => smsPer.get(n) !== 1)).toEqual([]); // nobody missed, nobody twice
    expect(numbers.map((_, i) => `f${i}@example.org`).filter((a) => mailPer.get(a) !== 1)).toEqual([]);
    expect(sms.messages.length).toBe(N);
    expect(mail.received).toBe(N);

    // The campaign's own account of it: every message sent (or delivered), none failed, equal to the sinks.
    const { body } = await t.http().get(`/campaigns/${id}/progress`).set(auth('comms')).expect(200);
    const by = (channel: string) =>
      (body.byChannel as Array<{ channel: string; status: string; n: number }>).filter(
        (r) => r.channel === channel,
      );
    for (const channel of ['sms', 'email']) {
      expect(by(channel).filter((r) => !['sent', 'delivered'].includes(r.status))).toEqual([]);
    }
    expect(by('sms').reduce((a, r) => a + r.n, 0)).toBe(sms.messages.length);
    expect(by('email').reduce((a, r) => a + r.n, 0)).toBe(mail.received);
  });
});

function tally(keys: string[]): Map<string, number> {
  const per = new Map<string, number>();
  for (const k of keys) per.set(k, (per.get(k) ?? 0) + 1);
  return per;
}
