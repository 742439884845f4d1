import { CAP_WINDOW_US, pacingIntervalUs, startCaps } from './send-pacer';

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

describe('startCaps', () => {
  it('bounds every sliding second to the rate and the schedule, and never holds back evenly paced sends', () => {
    expect(startCaps(0)).toEqual([]);
    for (const rate of [1, 3, 20, 30, 60, 99, 100, 250, 1000, 5000]) {
      const caps = startCaps(rate);
      expect(caps[0]).toEqual({ starts: rate, windowUs: CAP_WINDOW_US });
      expect(CAP_WINDOW_US).toBeGreaterThan(1_000_000);
      for (const cap of caps) {
        expect(cap.starts).toBeLessThanOrEqual(rate);
        expect(cap.starts).toBeLessThanOrEqual(caps[0].starts); // the list kept for the first serves them all
        // slots `interval` apart: `starts` consecutive slots span at least the window
        expect(cap.starts * pacingIntervalUs(rate)).toBeGreaterThanOrEqual(cap.windowUs);
      }
    }
    expect(startCaps(100)[1]).toEqual({ starts: 97, windowUs: 1_000_000 });
  });
});
