import { ExposureAggregator } from './exposure-aggregator';

describe('ExposureAggregator', () => {
  it('sums per number and host, keeping first and last seen', () => {
    const a = new ExposureAggregator();
    a.add('+447911123456', 'a.com', 30);
    a.add('+447911123456', 'a.com', 10);
    a.add('+447911123456', 'a.com', 20);
    a.add('+447911123456', 'b.com', 5);
    a.add('+447911123457', 'a.com', 7);
    expect(a.drain().sort((x, y) => x.first - y.first)).toEqual([
      { msisdn: '+447911123456', host: 'b.com', exposures: 1, first: 5, last: 5 },
      { msisdn: '+447911123457', host: 'a.com', exposures: 1, first: 7, last: 7 },
      { msisdn: '+447911123456', host: 'a.com', exposures: 3, first: 10, last: 30 },
    ]);
    expect(a.size).toBe(0);
  });

  it('says when it is full so the caller can drain it', () => {
    const a = new ExposureAggregator(2);
    a.add('+1', 'x', 1);
    expect(a.full).toBe(false);
    a.add('+2', 'x', 1);
    expect(a.full).toBe(true);
    expect(a.drain()).toHaveLength(2);
    expect(a.full).toBe(false);
  });
});
