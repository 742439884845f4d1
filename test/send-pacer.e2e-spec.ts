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
    notifications: { smsRatePerSecond: 100, emailRatePerSecond: 0 },
  } as unknown as AppConfig;
  const a = new Redis('redis://127.0.0.1:6379');
  const b = new Redis('redis://127.0.0.1:6379');

  afterAll(async () => {
    await a.del(`${prefix}:pace:sms`, `${prefix}:pace-starts:sms`);
    a.disconnect();
    b.disconnect();
  });

  it('spaces concurrent reservations from two workers evenly, within the rate in any second', async () => {
    const workers = [new SendPacer(a, config), new SendPacer(b, config)];
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
          starts.push((await workers[i % 2].admit('sms'))!);
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
    expect(worstIn(1_000_000)).toBeLessThanOrEqual(97);
  });

  it('does not limit a channel without a rate', async () => {
    expect(await new SendPacer(a, config).reserve('email')).toBeNull();
    expect(await new SendPacer(a, config).admit('email')).toBeNull();
  });
});
