import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pacingIntervalUs, SendPacer } from '../src/notifications/send-pacer';
import type { AppConfig } from '../src/platform/config';

/**
 * The SMS rate limit is one schedule in Redis shared by every worker: slots reserved by two processes at once
 * (two connections here) never come closer than the pacing interval, and the admission lets no sliding second
 * of the provider's clock hold more than the rate, however late each send reaches it. Asserted on Redis's
 * clock (slots, admissions, answers), not on wall-clock timing.
 */

/** Redis's clock, µs. */
async function redisNow(r: Redis): Promise<number> {
  const [s, us] = await r.time();
  return Number(s) * 1_000_000 + Number(us);
}

/** The most units any sliding second (half-open, as the provider's) holds. */
function worstSecond(arrivals: Array<[number, number]>): number {
  const ev = [...arrivals].sort((x, y) => x[0] - y[0]);
  let worst = 0;
  let inWindow = 0;
  for (let i = 0, j = 0; i < ev.length; i++) {
    inWindow += ev[i][1];
    while (ev[i][0] - ev[j][0] >= 1_000_000) inWindow -= ev[j++][1];
    worst = Math.max(worst, inWindow);
  }
  return worst;
}
describe('SendPacer: one fleet-wide schedule per channel', () => {
  const prefix = `tpace${randomBytes(4).toString('hex')}`;
  const config = {
    redis: { url: 'redis://127.0.0.1:6379', prefix },
    notifications: {
      smsRatePerSecond: 100,
      smsSenders: [{ id: 'Candor', segmentsPerSecond: 100, messagingService: false }],
      emailRatePerSecond: 0,
    },
  } as unknown as AppConfig;
  const pool = {
    redis: { url: 'redis://127.0.0.1:6379', prefix: `${prefix}p` },
    notifications: {
      smsRatePerSecond: 200,
      smsSenders: [
        { id: 'A', segmentsPerSecond: 100, messagingService: false },
        { id: 'B', segmentsPerSecond: 50, messagingService: false },
        { id: 'C', segmentsPerSecond: 50, messagingService: false },
      ],
      emailRatePerSecond: 0,
    },
  } as unknown as AppConfig;
  const a = new Redis('redis://127.0.0.1:6379');
  const b = new Redis('redis://127.0.0.1:6379');

  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  it('spaces concurrent reservations from two workers evenly, within the rate in any second', async () => {
    const workers = [new SendPacer(a, config), new SendPacer(b, config)];
    // units: 2-segment messages reserve two consecutive segment slots
    const slots = (
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => workers[i % 2].reserve('sms', i % 5 === 0 ? 2 : 1)),
      )
    ).flatMap((s, i) => (i % 5 === 0 ? [s!.slotUs, s!.slotUs + pacingIntervalUs(100)] : [s!.slotUs]));
    slots.sort((x, y) => x - y);
    expect(new Set(slots).size).toBe(360);
    const interval = pacingIntervalUs(100);
    for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(interval);
    let worst = 0;
    for (let i = 0, j = 0; i < slots.length; i++) {
      while (slots[i] - slots[j] >= 1_000_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(100);
    expect(worst).toBeGreaterThanOrEqual(95); // the schedule itself runs within 5% of the rate
  });

  it('lets no second of the provider hold more than the rate, wherever between admission and answer each send lands', async () => {
    // The worst case for a schedule: every send late at once. 300 ask together, 60 at a time per worker, and
    // each is answered 0-80 ms after its admission (a busy machine: some answers slow, most quick).
    const workers = [new SendPacer(a, config), new SendPacer(b, config)];
    const sends: Array<{ admitted: number; answered: number }> = [];
    let asked = 0;
    await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        while (asked < 300) {
          asked++;
          const admission = (await workers[i % 2].admit('sms', 1, 0))!;
          await new Promise((r) => setTimeout(r, i % 4 === 0 ? 80 : Math.round(Math.random() * 20)));
          // the provider saw it before it answered: at the latest now (Redis's clock, read before the report)
          const answered = await redisNow(a);
          await admission.done();
          sends.push({ admitted: admission.atUs, answered });
        }
      }),
    );
    expect(sends).toHaveLength(300);
    // Where each arrived in [admitted, answered] the pacer cannot know: every way tried stays within the rate.
    const at = (f: (s: { admitted: number; answered: number }, k: number) => number) =>
      worstSecond(sends.map((x, k) => [f(x, k), 1]));
    expect(at((x) => x.admitted)).toBeLessThanOrEqual(100);
    expect(at((x) => x.answered)).toBeLessThanOrEqual(100);
    expect(at((x, k) => (k % 2 ? x.admitted : x.answered))).toBeLessThanOrEqual(100);
    for (let trial = 0; trial < 20; trial++)
      expect(at((x) => x.admitted + Math.random() * (x.answered - x.admitted))).toBeLessThanOrEqual(100);
    // and the lane was used: 300 sends took about 3 s (one window a 100, plus the answers' delays), not more
    const span = Math.max(...sends.map((x) => x.admitted)) - Math.min(...sends.map((x) => x.admitted));
    expect(span).toBeGreaterThanOrEqual(2_000_000);
    expect(span).toBeLessThan(3_000_000);
  }, 20_000);

  it('holds a send that is never answered for UNANSWERED_US, and frees an answered one a window after its answer', async () => {
    const lone = { ...config, redis: { ...config.redis, prefix: `${prefix}u` } } as AppConfig;
    const pacer = new SendPacer(a, lone);
    const unanswered = await Promise.all(Array.from({ length: 60 }, () => pacer.admit('sms', 1, 0)));
    const answered = await Promise.all(Array.from({ length: 40 }, () => pacer.admit('sms', 1, 0)));
    const t = await redisNow(a);
    await Promise.all(answered.map((x) => x!.done()));
    // 100 count now: the next waits for the 40 answered ones (a window after their answers), not the 60 others
    const next = await pacer.admit('sms', 1, 0);
    expect(next!.atUs - t).toBeGreaterThanOrEqual(1_000_000);
    expect(next!.atUs - t).toBeLessThan(1_500_000);
    expect(unanswered.every((x) => x!.atUs < t)).toBe(true);
  }, 20_000);

  it("spreads a pool in proportion to its senders' segment rates, each sender paced in segments", async () => {
    const workers = [new SendPacer(a, pool), new SendPacer(b, pool)];
    // 400 messages of 2 segments (800 segments) from two workers at once, for a pool of 100 + 50 + 50 segments/s.
    const got = await Promise.all(Array.from({ length: 400 }, (_, i) => workers[i % 2].reserve('sms', 2)));
    const bySender = [0, 1, 2].map((lane) => got.filter((g) => g!.lane === lane).map((g) => g!.slotUs));
    expect(bySender.map((x) => x.length)).toEqual([200, 100, 100]); // by rate: 2 : 1 : 1
    for (const [lane, slots] of bySender.entries()) {
      const rate = [100, 50, 50][lane];
      slots.sort((x, y) => x - y);
      // a message of 2 segments takes two segment slots of its sender: the next starts 2 intervals later
      for (let i = 1; i < slots.length; i++)
        expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(2 * pacingIntervalUs(rate));
      let worst = 0;
      for (let i = 0, j = 0; i < slots.length; i++) {
        while (slots[i] - slots[j] >= 1_000_000) j++;
        worst = Math.max(worst, 2 * (i - j + 1));
      }
      expect(worst).toBeLessThanOrEqual(rate); // segments in any second of this sender
    }
  });

  it("admits at most a sender's rate in SEGMENTS in any second, with multi-segment sends", async () => {
    const pacer = new SendPacer(a, pool);
    const arrivals: Array<[number, number]> = [];
    // Sender B (50 segments/s, lane 1): 60 messages of 2 segments asked at once, answered at once.
    await Promise.all(
      Array.from({ length: 60 }, async () => {
        const admission = (await pacer.admit('sms', 2, 1))!;
        arrivals.push([await redisNow(a), 2]);
        await admission.done();
      }),
    );
    expect(worstSecond(arrivals)).toBeLessThanOrEqual(50);
    const times = arrivals.map((x) => x[0]);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2_000_000); // 120 segments: > 2 s
  }, 20_000);

  it('schedules a worker whose answers come slowly at the pace its lane sustains, and spaces its slots by it', async () => {
    const slowly = { ...config, redis: { ...config.redis, prefix: `${prefix}j` } } as AppConfig;
    const slow = new SendPacer(a, slowly);
    const calm = new SendPacer(b, slowly);
    expect(slow.headroom('sms')).toBe(0.99);
    // 40 sends on the slow worker each answered 300 ms after its admission
    const turn = await slow.turn(
      'sms',
      Array.from({ length: 40 }, () => 1),
    );
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await turn.go(i);
        await turn.send(i).cover(1);
        await new Promise((r) => setTimeout(r, 300));
        turn.send(i).done();
      }),
    );
    const headroom = slow.headroom('sms');
    expect(headroom).toBeLessThan(1 / 1.29); // a mean of ≥ 300 ms beyond the window
    expect(calm.headroom('sms')).toBe(0.99); // its own answers are what a worker schedules by
    const slots = [];
    for (let i = 0; i < 20; i++) slots.push((await slow.reserve('sms'))!.slotUs);
    for (let i = 1; i < slots.length; i++)
      expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(pacingIntervalUs(100, headroom));
    expect(pacingIntervalUs(100, headroom)).toBeGreaterThan(1.29 * pacingIntervalUs(100, 1));
  }, 20_000);

  it('does not limit a channel without a rate', async () => {
    expect(await new SendPacer(a, config).reserve('email')).toBeNull();
    expect(await new SendPacer(a, config).admit('email')).toBeNull();
    const turn = await new SendPacer(a, config).turn('email', [1, 1]);
    expect([turn.send(0).from, turn.send(1).from]).toEqual([null, null]);
  });
});
