import { CAP_WINDOW_US, capWindowUs, headroomFor, pacingIntervalUs, startCaps } from './send-pacer';

/** Slots exactly `interval` apart: the most any half-open second can hold. */
const worstSecond = (interval: number) => Math.ceil(1_000_000 / interval);

describe('pacingIntervalUs', () => {
  it('keeps every sliding second within the rate, and the average close to it', () => {
    expect(pacingIntervalUs(0)).toBe(0);
    for (const rate of [1, 3, 20, 30, 60, 99, 100, 250, 1000, 5000]) {
      const interval = pacingIntervalUs(rate);
      expect(worstSecond(interval)).toBeLessThanOrEqual(rate);
      expect(1_000_000 / interval).toBeGreaterThanOrEqual(rate * 0.95); // within 5%
      expect(1_000_000 / interval).toBeGreaterThanOrEqual(rate * 0.985); // quiet machine: within 1.5%
      expect(1_000_000 / interval).toBeLessThan(rate); // with headroom for jitter
    }
  });

  it('leaves a margin of three sends per second at 100/s when paced at 0.97 (30 ms of measured jitter)', () => {
    expect(worstSecond(pacingIntervalUs(100, 0.97))).toBeLessThanOrEqual(97);
    expect(worstSecond(pacingIntervalUs(100, headroomFor(31_000)))).toBeLessThanOrEqual(97);
  });

  it('leaves one send per second at 100/s on a quiet machine', () => {
    expect(worstSecond(pacingIntervalUs(100))).toBeLessThanOrEqual(99);
    expect(1_000_000 / pacingIntervalUs(100)).toBeGreaterThan(98.9);
  });
});

describe('headroomFor', () => {
  it('is 0.99 at most, and leaves room for the measured spread', () => {
    expect(headroomFor(0)).toBe(0.99);
    expect(headroomFor(10_000)).toBe(0.99);
    // a spread of J µs: the cap window 1 s / headroom is at least 1 s + J
    for (const j of [20_000, 31_000, 100_000, 500_000]) {
      expect(capWindowUs(headroomFor(j))).toBeGreaterThanOrEqual(1_000_000 + j - 1);
      expect(headroomFor(j)).toBeLessThan(headroomFor(j - 5_000));
    }
    expect(headroomFor(500_000)).toBeCloseTo(2 / 3, 5);
  });
});

describe('startCaps', () => {
  it('bounds every sliding second to the rate and the schedule, and never holds back evenly paced sends', () => {
    expect(startCaps(0)).toEqual([]);
    for (const rate of [1, 3, 20, 30, 60, 99, 100, 250, 1000, 5000]) {
      for (const headroom of [0.99, 0.97, headroomFor(80_000), headroomFor(500_000)]) {
        const caps = startCaps(rate, 1, headroom);
        expect(caps[0]).toEqual({ starts: rate, windowUs: capWindowUs(headroom) });
        expect(capWindowUs(headroom)).toBeGreaterThan(1_000_000);
        for (const cap of caps) {
          expect(cap.starts).toBeLessThanOrEqual(rate);
          expect(cap.starts).toBeLessThanOrEqual(caps[0].starts); // the list kept for the first serves them all
          // slots `interval` apart: `starts` consecutive slots span at least the window
          expect(cap.starts * pacingIntervalUs(rate, headroom)).toBeGreaterThanOrEqual(cap.windowUs);
        }
      }
      expect(startCaps(rate)[0]).toEqual({ starts: rate, windowUs: CAP_WINDOW_US });
    }
    expect(startCaps(100, 1, 0.97)[1]).toEqual({ starts: 97, windowUs: 1_000_000 });
    expect(startCaps(100)[1]).toEqual({ starts: 99, windowUs: 1_000_000 });
    expect(CAP_WINDOW_US).toBe(1_010_101);
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
    for (const rate of [10, 40, 100, 250, 1000])
      for (const headroom of [0.99, 0.97, headroomFor(200_000)]) {
        const interval = pacingIntervalUs(rate, headroom);
        const [wide, second] = startCaps(rate, 2, headroom);
        expect(wide.starts).toBe(rate);
        expect(second.starts).toBeLessThanOrEqual(rate);
        expect(mostIn(wide.windowUs, 2, interval)).toBeLessThanOrEqual(wide.starts);
        expect(mostIn(second.windowUs, 2, interval)).toBeLessThanOrEqual(second.starts);
      }
    // the case that held sends back with one-segment caps: 2-segment messages at 250/s put 244 in a second
    expect(startCaps(250, 1, 0.97)[1].starts).toBe(243);
    expect(startCaps(250, 2, 0.97)[1].starts).toBe(244);
    // at 0.99: 248 (247.5 a second, in whole 2-segment sends)
    expect(startCaps(250, 2)[1].starts).toBe(248);
  });
});
