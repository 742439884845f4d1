import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { CAP_WINDOW_US, pacingIntervalUs, SendPacer } from '../src/notifications/send-pacer';
import type { AppConfig } from '../src/platform/config';

/**
 * The SMS rate limit is one schedule in Redis shared by every worker: slots reserved by two processes at once
 * (two connections here) never come closer than the pacing interval, so no sliding second can hold more than
 * the rate. Asserted on the reserved slots (Redis's clock), not on wall-clock timing.
 */
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

  it('admits at most the rate in any window of starts, however many sends from two workers ask at once', async () => {
    // The worst case for a schedule: every send late at once. 3 × 100 ask together, 60 at a time per worker.
    const workers = [new SendPacer(a, config), new SendPacer(b, config)];
    const starts: number[] = [];
    let asked = 0;
    await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        while (asked < 300) {
          asked++;
          starts.push((await workers[i % 2].admit('sms', 1, 0))!);
        }
      }),
    );
    starts.sort((x, y) => x - y);
    expect(starts).toHaveLength(300);
    // Counted over the admitted starts (Redis's clock): no window holds more than its cap (asked all at once,
    // without the caps one window would hold all 300).
    const worstIn = (windowUs: number) => {
      let worst = 0;
      for (let i = 0, j = 0; i < starts.length; i++) {
        while (starts[i] - starts[j] >= windowUs) j++;
        worst = Math.max(worst, i - j + 1);
      }
      return worst;
    };
    expect(worstIn(CAP_WINDOW_US)).toBeLessThanOrEqual(100);
    // the schedule's count in a second: 99 at 100/s paced at 0.99 (97 when it was 0.97)
    expect(worstIn(1_000_000)).toBeLessThanOrEqual(99);
  });

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

  it("admits at most a sender's rate in SEGMENTS in any window, with multi-segment sends", async () => {
    const pacer = new SendPacer(a, pool);
    const starts: number[] = [];
    // Sender B (50 segments/s, lane 1): 60 messages of 2 segments asked at once.
    await Promise.all(
      Array.from({ length: 60 }, async () => {
        const t = (await pacer.admit('sms', 2, 1))!;
        starts.push(t, t);
      }),
    );
    starts.sort((x, y) => x - y);
    let worst = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i] - starts[j] >= CAP_WINDOW_US) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(50);
    expect(starts[starts.length - 1] - starts[0]).toBeGreaterThanOrEqual(1_000_000); // 120 segments took > 2 s
  }, 20_000);

  it('paces every worker for the widest jitter any of them measures, and spaces slots by it', async () => {
    const jittery = { ...config, redis: { ...config.redis, prefix: `${prefix}j` } } as AppConfig;
    const slow = new SendPacer(a, jittery);
    const calm = new SendPacer(b, jittery);
    expect(calm.headroom('sms')).toBe(0.99);
    // 40 sends on the slow worker each answered 300 ms after the call started (its admission to call: ~0)
    const turn = await slow.turn(
      'sms',
      Array.from({ length: 40 }, () => 1),
    );
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await turn.go(i);
        await turn.send(i).cover(1);
        turn.send(i).calling();
        await new Promise((r) => setTimeout(r, 300));
        turn.send(i).answered();
      }),
    );
    expect(slow.headroom('sms')).toBeLessThan(1 / 1.29); // allowance ≥ 290 ms
    await slow.reserve('sms'); // a worker reports its allowance with its reservations
    await calm.reserve('sms'); // and learns the fleet's widest from Redis
    const headroom = calm.headroom('sms');
    expect(headroom).toBeLessThan(1 / 1.29);
    const slots = [];
    for (let i = 0; i < 20; i++) slots.push((await calm.reserve('sms'))!.slotUs);
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
