import { ExposureAggregator, ExposureMerger } from './exposure-aggregator';

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

describe('ExposureMerger', () => {
  const A = '+447911123456';
  const B = '+447911123457';
  const pair = (msisdn: string, host: string, exposures: number, first: number, last: number) => ({
    msisdn,
    host,
    exposures,
    first,
    last,
  });

  it('merges partial totals into one row per number with distinct and top hosts', () => {
    const m = new ExposureMerger();
    m.add(pair(A, 'b.com', 2, 50, 60));
    m.add(pair(A, 'a.com', 2, 10, 20)); // ties with b.com on 2: by name
    m.add(pair(B, 'c.com', 1, 5, 5));
    m.add(pair(A, 'c.com', 1, 70, 80));
    m.add(pair(A, 'b.com', 3, 40, 90)); // the same pair again, from another scanner
    const rows = [...m.totals()].sort((x, y) => x.msisdn.localeCompare(y.msisdn));
    expect(rows).toEqual([
      {
        msisdn: A,
        exposures: 8,
        first: 10,
        last: 90,
        distinctHosts: 3,
        topHosts: ['b.com', 'a.com', 'c.com'],
      },
      { msisdn: B, exposures: 1, first: 5, last: 5, distinctHosts: 1, topHosts: ['c.com'] },
    ]);
    expect(m.topHosts()).toEqual([
      { host: 'b.com', count: 5 },
      { host: 'a.com', count: 2 },
      { host: 'c.com', count: 2 },
    ]);
  });

  it('keeps five top hosts, most exposures first, ties by name', () => {
    const m = new ExposureMerger();
    for (const [h, n] of [
      ['f', 1],
      ['e', 9],
      ['d', 3],
      ['c', 3],
      ['b', 7],
      ['a', 1],
    ] as const)
      m.add(pair(A, h, n, 1, 1));
    expect([...m.totals()][0]).toMatchObject({ distinctHosts: 6, topHosts: ['e', 'b', 'c', 'd', 'a'] });
  });

  it('agrees with a plain recount over many random pairs, held or drained', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const m = new ExposureMerger();
    const truth = new Map<string, { n: number; f: number; l: number; hosts: Map<string, number> }>();
    for (let i = 0; i < 20_000; i++) {
      const msisdn = '+4479' + String(10_000_000 + Math.floor(rand() * 3000));
      const host = 'h' + Math.floor(rand() * rand() * 40) + '.example';
      const exposures = 1 + Math.floor(rand() * 3);
      const first = Math.floor(rand() * 1e6);
      const last = first + Math.floor(rand() * 1e6);
      m.add(pair(msisdn, host, exposures, first, last));
      const t = truth.get(msisdn) ?? { n: 0, f: Infinity, l: -Infinity, hosts: new Map() };
      t.n += exposures;
      t.f = Math.min(t.f, first);
      t.l = Math.max(t.l, last);
      t.hosts.set(host, (t.hosts.get(host) ?? 0) + exposures);
      truth.set(msisdn, t);
    }
    const rows = [...m.totals()];
    expect(rows).toHaveLength(truth.size);
    for (const r of rows) {
      const t = truth.get(r.msisdn)!;
      expect([r.exposures, r.first, r.last, r.distinctHosts]).toEqual([t.n, t.f, t.l, t.hosts.size]);
      const top = [...t.hosts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
      expect(r.topHosts).toEqual(top.map(([h]) => h));
    }
    // drained as pairs, the same totals come back out (each pair once, with its number's first and last)
    const drained = new Map<string, number>();
    let pairs = 0;
    for (const p of m.drainPairs()) {
      pairs++;
      const t = truth.get(p.msisdn)!;
      expect([p.first, p.last, p.exposures]).toEqual([t.f, t.l, t.hosts.get(p.host)]);
      drained.set(p.msisdn, (drained.get(p.msisdn) ?? 0) + p.exposures);
    }
    expect(pairs).toBe([...truth.values()].reduce((s, t) => s + t.hosts.size, 0));
    for (const [msisdn, t] of truth) expect(drained.get(msisdn)).toBe(t.n);
    expect(m.size).toBe(0);
    expect([...m.totals()]).toEqual([]);
  });

  it('says when its estimate passes the budget, and starts empty after a drain', () => {
    const m = new ExposureMerger(200_000);
    let i = 0;
    while (!m.full) m.add(pair('+4479' + String(10_000_000 + i++), 'x.com', 1, 1, 1));
    expect(i).toBeGreaterThan(100);
    expect(m.estimatedBytes).toBeGreaterThanOrEqual(200_000);
    const drained = [...m.drainPairs()];
    expect(drained).toHaveLength(i);
    expect(m.full).toBe(false);
    m.add(pair(A, 'y.com', 4, 1, 2));
    expect(m.topHosts()).toEqual([{ host: 'y.com', count: 4 }]);
  });

  it('refuses anything that is not an E.164 number (the key would not be exact)', () => {
    const m = new ExposureMerger();
    expect(() => m.add(pair('+0447911', 'x', 1, 1, 1))).toThrow(/E\.164/);
    expect(() => m.add(pair('+44791112345612345678', 'x', 1, 1, 1))).toThrow(/E\.164/);
    expect(() => m.add(pair('447911abc', 'x', 1, 1, 1))).toThrow(/E\.164/);
  });
});
