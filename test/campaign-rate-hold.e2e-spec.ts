import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { createCsvCampaign, uploadAudience } from './helpers/campaigns';
import { eventually } from './helpers/eventually';
import { staffTokens } from './helpers/staff';

/** The pacer's headroom: SMS go at up to 99% of the pool's segment rate (PACING_HEADROOM, send-pacer.ts). */
const HEADROOM = 0.99;
const RATE = 1; // segments a second: the whole pool, one sender
const BIG = 40;
const SMALL = 3;

/**
 * Issue 17, "campaign awareness" for the rate limit: a campaign queued behind another campaign's texts on a
 * slow sender pool says it is held by the rate, when sending resumes, and counts the wait in its ETA (preview
 * and progress), in segments as the pacer counts them. The app here is `CANDOR_ROLE=api` so nothing drains
 * while the exact figures are checked; a worker then starts and the hold follows the shrinking queue.
 */
describe('campaign rate holds: the time sending resumes, and an ETA that includes the rate', () => {
  let t: TestApp;
  let worker: TestApp | undefined;
  let tokens: Record<string, string>;
  const as = () => ({ type: 'bearer' as const });

  beforeAll(async () => {
    t = await startTestApp({ CANDOR_ROLE: 'api', SMS_SENDERS: `Candor:${RATE}` });
    // Midday on a winter weekday (quiet hours are off here anyway: the time of day must not matter).
    t.clock.travelTo(new Date('2026-12-03T12:00:00Z'));
    ({ tokens } = await staffTokens(t));
    const subs = t.get<SubscribersService>(SubscribersService);
    for (let i = 0; i < BIG + SMALL; i++)
      await subs.upsert({
        accountId: i < BIG ? `RATE-A-${i}` : `RATE-B-${i - BIG}`,
        msisdn: `0791120${7000 + i}`,
        firstName: 'Sam',
      });
  }, 120_000); // an app booting on a busy machine
  afterAll(async () => {
    await worker?.close();
    await t?.close();
  }, 120_000);

  const get = async (path: string) => (await t.http().get(path).auth(tokens.comms, as()).expect(200)).body;
  const post = (path: string, role = 'comms') => t.http().post(path).auth(tokens[role], as()).expect(200);
  const audience = (prefix: string, n: number) =>
    `account_id\n${Array.from({ length: n }, (_, i) => `${prefix}-${i}`).join('\n')}\n`;
  /** Seconds for `segments` at the pool's rate, as the pacer sends them. */
  const drain = (segments: number) => Math.ceil(segments / (RATE * HEADROOM));
  /** "N messages (S segments) of other campaigns are ahead" → [N, S]. */
  const ahead = (message: string) => {
    const m = message.match(
      /^(\d+) messages \((\d+) segments\) of other campaigns are ahead at 1 segments\/s/,
    );
    if (!m) throw new Error(`not a rate hold's words: ${message}`);
    return [Number(m[1]), Number(m[2])];
  };

  it('previews and reports a rate hold with its end, and counts it in the ETA; the hold follows the queue', async () => {
    // Campaign A: 40 notices at one segment a second, minutes of sending, nothing ahead of it.
    const a = await createCsvCampaign(t, tokens.comms, 'rate-a', 'sms');
    await uploadAudience(t, tokens.comms, a, audience('RATE-A', BIG));
    const pa = await get(`/campaigns/${a}/preview`);
    expect(pa.messages).toEqual({ sms: BIG, email: 0 });
    expect(pa.segmentsPerSecond).toBe(RATE);
    const segments: number = pa.perLocale[0].segments;
    expect(segments).toBeGreaterThanOrEqual(1);
    expect(pa.etaSeconds.sms).toBe(drain(BIG * segments));
    expect(pa.etaSeconds.sms).toBeGreaterThan(60); // the rate makes it minutes
    expect(pa.holds).toEqual([]);
    await post(`/campaigns/${a}/approve`, 'supervisor');
    await post(`/campaigns/${a}/start`);
    const progA = await get(`/campaigns/${a}/progress`);
    expect(progA).toMatchObject({ status: 'running', totals: { queued: BIG }, holds: [] });
    expect(progA.hold).toEqual({ reason: 'rate_limit', perSecond: RATE });
    // nothing sent yet: the ETA comes from the configured rate, not "unknown"
    expect(progA.etaSeconds).toBe(drain(BIG * segments));

    // Campaign B: 3 notices behind A's 40 on the same pool. Its preview says so and waits for them in its ETA.
    const b = await createCsvCampaign(t, tokens.comms, 'rate-b', 'sms');
    await uploadAudience(t, tokens.comms, b, audience('RATE-B', SMALL));
    const before = t.clock.now().getTime();
    const pb = await get(`/campaigns/${b}/preview`);
    const after = t.clock.now().getTime();
    const wait = drain(BIG * segments);
    expect(pb.holds).toEqual([
      {
        channel: 'sms',
        reason: 'rate',
        message: `${BIG} messages (${BIG * segments} segments) of other campaigns are ahead at ${RATE} segments/s on this channel.`,
        resumesAt: expect.any(String),
        resumesAtUk: expect.stringMatching(/^Thu 3 Dec 2026, 1\d:\d\d GMT$/),
        waitSeconds: wait,
      },
    ]);
    // sending resumes when A's segments have gone, on the injected clock (mid-December 2026, not the wall's)
    const resumes = Date.parse(pb.holds[0].resumesAt);
    expect(resumes).toBeGreaterThanOrEqual(before + wait * 1000);
    expect(resumes).toBeLessThanOrEqual(after + wait * 1000);
    expect(pb.etaSeconds.sms).toBe(drain(SMALL * segments) + wait);

    await post(`/campaigns/${b}/approve`, 'supervisor');
    await post(`/campaigns/${b}/start`);
    const progB = await get(`/campaigns/${b}/progress`);
    expect(progB.totals).toEqual({ queued: SMALL });
    expect(progB.holds).toEqual([
      expect.objectContaining({ channel: 'sms', reason: 'rate', waitSeconds: wait }),
    ]);
    expect(progB.etaSeconds).toBe(wait + drain(SMALL * segments));
    // A is not held by B: B's rows come after A's in the queue
    expect((await get(`/campaigns/${a}/progress`)).holds).toEqual([]);

    // A worker starts: as A's texts leave, B's hold shrinks with them (one segment a second, so seconds).
    // Two sends in flight (FIFO, as a pool's queue is; and a close waits for at most two paced sends).
    worker = await startTestApp(
      {
        ...t.env,
        CANDOR_ROLE: 'worker',
        SEND_CONCURRENCY: '2',
        LOG_FILE: t.logFile.replace(/\.log$/, '-worker.log'),
      },
      { dbUrl: t.dbUrl },
    );
    const shrunk = await eventually(
      async () => {
        const p = await get(`/campaigns/${b}/progress`);
        return p.holds.length && ahead(p.holds[0].message)[0] < BIG ? p : null;
      },
      90_000,
      "B's rate hold to count fewer of A's messages ahead once the worker sends them",
    );
    const [left, leftSegments] = ahead(shrunk.holds[0].message);
    expect(leftSegments).toBe(left * segments);
    expect(shrunk.holds[0].waitSeconds).toBe(drain(leftSegments));
    expect(shrunk.holds[0].waitSeconds).toBeLessThan(wait);
    expect(shrunk.totals.queued).toBe(SMALL); // B's texts wait their turn behind A's

    // A cancelled, nothing of another campaign is ahead of B any more: the rate hold goes.
    await post(`/campaigns/${a}/cancel`);
    await eventually(
      async () => (await get(`/campaigns/${b}/progress`)).holds.length === 0,
      30_000,
      "B's rate hold to go once A (the campaign ahead of it) is cancelled",
    );
    await post(`/campaigns/${b}/cancel`);
  }, 180_000); // the waits above give up first, saying what they waited for
});
