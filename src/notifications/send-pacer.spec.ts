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

describe('startCaps for multi-segment sends', () => {
  /** The most units any half-open window holds when sends of `units` leave exactly on their slots. */
  const mostIn = (windowUs: number, units: number, interval: number) => {
    const starts = Array.from({ length: 3000 }, (_, k) => k * units * interval);
    let worst = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i] - starts[j] >= windowUs) j++;
      worst = Math.max(worst, (i - j + 1) * units);
    }
    return worst;
  };

  it('never holds back evenly paced sends of 2 segments, and never allows above the rate', () => {
    for (const rate of [10, 40, 100, 250, 1000]) {
      const interval = pacingIntervalUs(rate);
      const [wide, second] = startCaps(rate, 2);
      expect(wide.starts).toBe(rate);
      expect(second.starts).toBeLessThanOrEqual(rate);
      expect(mostIn(wide.windowUs, 2, interval)).toBeLessThanOrEqual(wide.starts);
      expect(mostIn(second.windowUs, 2, interval)).toBeLessThanOrEqual(second.starts);
    }
    // the case that held sends back with one-segment caps: 2-segment messages at 250/s put 244 in a second
    expect(startCaps(250, 1)[1].starts).toBe(243);
    expect(startCaps(250, 2)[1].starts).toBe(244);
  });
});
