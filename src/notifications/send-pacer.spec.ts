import { CAP_WINDOW_US, pacingIntervalUs } from './send-pacer';

/** Slots exactly `interval` apart: the most any half-open second can hold. */
const worstSecond = (interval: number) => Math.ceil(1_000_000 / interval);

describe('pacingIntervalUs', () => {
  it('keeps every sliding second within the rate, and the average close to it', () => {
    expect(pacingIntervalUs(0)).toBe(0);
    for (const rate of [1, 3, 20, 30, 60, 99, 100, 250, 1000, 5000]) {
      const interval = pacingIntervalUs(rate);
      expect(worstSecond(interval)).toBeLessThanOrEqual(rate);
      expect(1_000_000 / interval).toBeGreaterThanOrEqual(rate * 0.95); // within 5%
      expect(1_000_000 / interval).toBeLessThan(rate); // with headroom for jitter
    }
  });

  it('leaves a margin of three sends per second at 100/s (jitter between our clock and the provider)', () => {
    expect(worstSecond(pacingIntervalUs(100))).toBeLessThanOrEqual(97);
  });
});

describe('CAP_WINDOW_US', () => {
  it('is longer than a second, and no longer than `rate` pacing intervals (paced sends never wait for the cap)', () => {
    expect(CAP_WINDOW_US).toBeGreaterThan(1_000_000);
    for (const rate of [1, 3, 20, 30, 60, 99, 100, 250, 1000, 5000])
      expect(rate * pacingIntervalUs(rate)).toBeGreaterThanOrEqual(CAP_WINDOW_US);
  });
});
