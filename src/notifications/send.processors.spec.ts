import { limiterFor } from './send.processors';

describe('limiterFor', () => {
  it('keeps every sliding second within the rate, and the average close to it', () => {
    expect(limiterFor(0)).toBeUndefined();
    for (const rate of [30, 60, 99, 100, 250, 1000, 5000]) {
      const { max, duration } = limiterFor(rate)!;
      const average = (max * 1000) / duration;
      expect(average + max).toBeLessThanOrEqual(rate); // worst sliding second: average plus one window
      expect(average).toBeGreaterThanOrEqual(rate * 0.95); // within 5%
      expect(duration).toBeGreaterThanOrEqual(5);
    }
  });

  it('stays strict for low rates, at some cost in throughput', () => {
    const { max, duration } = limiterFor(20)!;
    expect((max * 1000) / duration + max).toBeLessThanOrEqual(20);
    expect((max * 1000) / duration).toBeGreaterThanOrEqual(18);
  });

  it('falls back to one send per window for tiny rates', () => {
    expect(limiterFor(1)).toEqual({ max: 1, duration: 1000 });
    expect(limiterFor(3)).toMatchObject({ max: 1 });
  });
});
