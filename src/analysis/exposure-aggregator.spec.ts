import { BatchArrays, ExposureBatcher, ExposureMerger, NumberTable } from './exposure-aggregator';

describe('NumberTable', () => {
  it('finds what a Map would, through growth, for clustered and spread keys', () => {
    const t = new NumberTable();
    const truth = new Map<number, number>();
    const at = new Float64Array(1);
    const get = (key: number) => ((at[0] = key), t.get(at, 0));
    let seed = 3;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 50_000; i++) {
      // consecutive numbers (a block of a range) and numbers from anywhere in 15 digits
      const key = i % 2 ? 447_911_000_000 + i : Math.floor(1 + rand() * 999_999_999_999_999);
      if (truth.has(key)) continue;
      expect(get(key)).toBe(-1);
      t.add(at, 0, truth.size);
      truth.set(key, truth.size);
    }
    expect(t.size).toBe(truth.size);
    expect(t.capacity).toBeGreaterThanOrEqual(2 * t.size);
    for (const [k, v] of truth) expect(get(k)).toBe(v);
    expect(get(447_911_000_000)).toBe(-1); // never added (even i only)
  });
});

describe('ExposureBatcher', () => {
  it('records each exposure with its number as digits, its host once by name, and its time', () => {
    const b = new ExposureBatcher(3, 4);
    b.add('+447911123456', 'a.com', 30);
    b.add('+447911123457', 'b.com', 10);
    b.add('+447911123456', 'a.com', 20);
    expect(b.full).toBe(false);
    const batch = b.drain();
    expect(batch.source).toBe(3);
    expect(batch.count).toBe(3);
    expect([...batch.numbers.subarray(0, 3)]).toEqual([447911123456, 447911123457, 447911123456]);
    expect([...batch.hosts.subarray(0, 3)]).toEqual([0, 1, 0]);
    expect([...batch.times.subarray(0, 3)]).toEqual([30, 10, 20]);
    expect(batch.newHosts).toEqual(['a.com', 'b.com']);
    expect(b.size).toBe(0);
    // the next batch names only hosts it is the first to use
    b.add('+447911123456', 'c.com', 1);
    b.add('+447911123456', 'a.com', 2);
    const next = b.drain();
    expect(next.newHosts).toEqual(['c.com']);
    expect([...next.hosts.subarray(0, 2)]).toEqual([2, 0]);
    expect(batch.numbers).not.toBe(next.numbers); // a drained batch's arrays belong to its receiver
  });

  it('is full at its capacity and grows past it rather than lose an exposure', () => {
    const b = new ExposureBatcher(0, 2);
    b.add('+447911123456', 'a.com', 1);
    b.add('+447911123456', 'a.com', 2);
    expect(b.full).toBe(true);
    b.add('+447911123456', 'a.com', 3);
    const batch = b.drain();
    expect(batch.count).toBe(3);
    expect([...batch.times.subarray(0, 3)]).toEqual([1, 2, 3]);
  });

  it('starts its host table again past the limit, between batches, and says so', () => {
    const b = new ExposureBatcher(0, 10, 2);
    b.add('+447911123456', 'a.com', 1);
    b.add('+447911123456', 'b.com', 1);
    b.add('+447911123456', 'c.com', 1); // over the limit mid-batch: the batch keeps its ids
    const first = b.drain();
    expect([first.newHosts, first.hostsReset]).toEqual([['a.com', 'b.com', 'c.com'], false]);
    b.add('+447911123456', 'c.com', 1);
    const second = b.drain();
    expect([second.newHosts, [...second.hosts.subarray(0, 1)], second.hostsReset]).toEqual([
      ['c.com'],
      [0],
      true,
    ]);
  });

  it('refills arrays given back instead of allocating, and then allocates again', () => {
    const spares: BatchArrays[] = [];
    const b = new ExposureBatcher(0, 4, undefined, spares);
    b.add('+447911123456', 'a.com', 1);
    const first = b.drain();
    spares.push({ numbers: first.numbers, hosts: first.hosts, times: first.times });
    b.add('+447911123457', 'b.com', 2);
    const second = b.drain(); // filled before the spare came back; the next batch takes the spare
    expect(second.numbers).not.toBe(first.numbers);
    b.add('+447911123457', 'b.com', 3);
    const third = b.drain();
    expect(third.numbers).toBe(first.numbers);
    expect([third.count, third.numbers[0], third.hosts[0], third.times[0]]).toEqual([1, 447911123457, 1, 3]);
    b.add('+447911123456', 'a.com', 4);
    const fourth = b.drain(); // no spare left: new arrays
    expect(fourth.numbers).not.toBe(first.numbers);
  });

  it('refuses anything that is not an E.164 number', () => {
    const b = new ExposureBatcher(0);
    expect(() => b.add('447911123456', 'a.com', 1)).toThrow(/E\.164/);
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
    // as pairs, the same totals come back out (each pair once, with its number's first and last)
    const drained = new Map<string, number>();
    let pairs = 0;
    for (const p of m.pairs()) {
      pairs++;
      const t = truth.get(p.msisdn)!;
      expect([p.first, p.last, p.exposures]).toEqual([t.f, t.l, t.hosts.get(p.host)]);
      drained.set(p.msisdn, (drained.get(p.msisdn) ?? 0) + p.exposures);
    }
    expect(pairs).toBe([...truth.values()].reduce((s, t) => s + t.hosts.size, 0));
    for (const [msisdn, t] of truth) expect(drained.get(msisdn)).toBe(t.n);
    m.clear();
    expect(m.size).toBe(0);
    expect([...m.totals()]).toEqual([]);
  });

  it('merges batches from several scanners, across host-table restarts and its own drains, like a recount', () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const m = new ExposureMerger();
    const scanners = [new ExposureBatcher(0, 50, 7), new ExposureBatcher(1, 64)]; // one restarts its hosts often
    const numbers = new Map<string, { n: number; f: number; l: number; hosts: Set<string> }>();
    const seen = new Map<string, number>(); // the same over the whole run, drained or held
    const drained = new Map<string, number>();
    const take = (p: { msisdn: string; host: string; exposures: number }) => {
      const k = p.msisdn + ' ' + p.host;
      drained.set(k, (drained.get(k) ?? 0) + p.exposures);
    };
    for (let i = 0; i < 20_000; i++) {
      const s = scanners[i % 2];
      const msisdn = '+4479' + String(10_000_000 + Math.floor(rand() * 500));
      const host = 'h' + Math.floor(rand() * 30) + '.example';
      s.add(msisdn, host, i);
      const k = msisdn + ' ' + host;
      seen.set(k, (seen.get(k) ?? 0) + 1);
      if (i >= 9_000) {
        const t = numbers.get(msisdn) ?? { n: 0, f: i, l: i, hosts: new Set<string>() };
        t.n++;
        t.l = i;
        t.hosts.add(host);
        numbers.set(msisdn, t);
      }
      if (s.full) m.addBatch(s.drain());
      // a spill part-way: the merger's host ids start again (both scanners' batches are in by then)
      if (i === 8_999) {
        for (const sc of scanners) m.addBatch(sc.drain());
        for (const p of m.pairs()) take(p);
        m.clear();
      }
    }
    for (const s of scanners) m.addBatch(s.drain());
    // what is held after the spill: one row per number, as a recount of the exposures since
    const rows = [...m.totals()];
    expect(rows).toHaveLength(numbers.size);
    for (const r of rows) {
      const t = numbers.get(r.msisdn)!;
      expect([r.exposures, r.first, r.last, r.distinctHosts]).toEqual([t.n, t.f, t.l, t.hosts.size]);
    }
    for (const p of m.pairs()) take(p);
    expect(drained).toEqual(seen);
    expect(seen.size).toBeGreaterThan(5_000);
  });

  it('says when its estimate passes the budget, and starts empty after clear()', () => {
    const m = new ExposureMerger(200_000);
    let i = 0;
    while (!m.full) m.add(pair('+4479' + String(10_000_000 + i++), 'x.com', 1, 1, 1));
    expect(i).toBeGreaterThan(100);
    expect(m.estimatedBytes).toBeGreaterThanOrEqual(200_000);
    const drained = Array.from(m.pairs(), (p) => ({ ...p })); // one object, updated in place: copied
    expect(drained).toHaveLength(i);
    expect(new Set(drained.map((p) => p.msisdn)).size).toBe(i);
    m.clear();
    expect(m.full).toBe(false);
    expect([...m.pairs()]).toEqual([]);
    // refilled in place: the numbers before the clear are gone, the new ones whole
    m.add(pair(A, 'y.com', 4, 1, 2));
    m.add(pair('+4479' + String(10_000_000), 'y.com', 1, 3, 3));
    expect(m.topHosts()).toEqual([{ host: 'y.com', count: 5 }]);
    expect([...m.totals()].map((t) => [t.msisdn, t.exposures, t.first, t.last])).toEqual([
      [A, 4, 1, 2],
      ['+447910000000', 1, 3, 3],
    ]);
  });

  it('outgrows the room it was made with rather than lose a batch, keeping what it held', () => {
    const m = new ExposureMerger(0); // room for 65,536 numbers
    m.add(pair(A, 'held.com', 5, 7, 9));
    const s = new ExposureBatcher(0, 200_000);
    for (let i = 0; i < 150_000; i++) s.add('+4479' + String(10_000_000 + i), i % 2 ? 'a.com' : 'b.com', i);
    m.addBatch(s.drain());
    expect(m.size).toBe(150_001);
    expect(m.full).toBe(true);
    let wrong = 0;
    let sum = 0;
    const rows = [];
    for (const p of m.pairs()) {
      if (p.msisdn === A) rows.push({ ...p });
      else {
        sum += p.first;
        if (p.host !== (Number(p.msisdn.slice(5)) % 2 ? 'a.com' : 'b.com') || p.first !== p.last) wrong++;
      }
    }
    expect(rows).toEqual([{ msisdn: A, host: 'held.com', exposures: 5, first: 7, last: 9 }]);
    expect([wrong, sum]).toEqual([0, (149_999 * 150_000) / 2]);
  });

  it('refuses anything that is not an E.164 number (the key would not be exact)', () => {
    const m = new ExposureMerger();
    expect(() => m.add(pair('+0447911', 'x', 1, 1, 1))).toThrow(/E\.164/);
    expect(() => m.add(pair('+44791112345612345678', 'x', 1, 1, 1))).toThrow(/E\.164/);
    expect(() => m.add(pair('447911abc', 'x', 1, 1, 1))).toThrow(/E\.164/);
  });
});
