import { headroomFor, pacingIntervalUs, WINDOW_US } from './send-pacer';

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
      expect(1_000_000 / interval).toBeLessThan(rate); // with headroom for the answers' delay
    }
  });

  it('leaves a margin of three sends per second at 100/s when paced at 0.97 (answers 30 ms after admission)', () => {
    expect(worstSecond(pacingIntervalUs(100, 0.97))).toBeLessThanOrEqual(97);
    expect(worstSecond(pacingIntervalUs(100, headroomFor(31_000)))).toBeLessThanOrEqual(97);
  });

  it('leaves one send per second at 100/s on a quiet machine', () => {
    expect(worstSecond(pacingIntervalUs(100))).toBeLessThanOrEqual(99);
    expect(1_000_000 / pacingIntervalUs(100)).toBeGreaterThan(98.9);
  });
});

describe('headroomFor', () => {
  it('is 0.99 at most, and schedules no faster than a lane sustains with its answers that slow', () => {
    expect(headroomFor(0)).toBe(0.99);
    expect(headroomFor(8_000)).toBe(0.99);
    // a start holds its place from its admission to a window after its answer: rate / (window + delay) a second
    for (const d of [20_000, 31_000, 100_000, 500_000]) {
      expect(headroomFor(d)).toBeLessThanOrEqual(1_000_000 / (WINDOW_US + d));
      expect(headroomFor(d)).toBeLessThan(headroomFor(d - 5_000));
    }
    expect(headroomFor(498_000)).toBeCloseTo(2 / 3, 5);
  });
});
