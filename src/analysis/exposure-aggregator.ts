export interface PairTotal {
  msisdn: string;
  host: string;
  exposures: number;
  first: number;
  last: number;
}

/**
 * Exposures summed per (number, host) pair, in a map of bounded size: when it is full the caller drains
 * it (to a COPY into Postgres) and it starts again; Postgres sums the partial totals. Memory stays flat
 * however many numbers the logs hold, and repeated pairs (the common case) cost one map entry.
 */
export class ExposureAggregator {
  private pairs = new Map<string, PairTotal>();

  constructor(readonly maxEntries = 200_000) {}

  get size(): number {
    return this.pairs.size;
  }

  get full(): boolean {
    return this.pairs.size >= this.maxEntries;
  }

  add(msisdn: string, host: string, time: number): void {
    const key = msisdn + ' ' + host;
    const p = this.pairs.get(key);
    if (p) {
      p.exposures++;
      if (time < p.first) p.first = time;
      if (time > p.last) p.last = time;
    } else this.pairs.set(key, { msisdn, host, exposures: 1, first: time, last: time });
  }

  /** Hands the totals over and empties the map. */
  drain(): PairTotal[] {
    const out = [...this.pairs.values()];
    this.pairs = new Map();
    return out;
  }
}

/** One exposed number's totals, as stored per run (`analysis_numbers`). */
export interface NumberTotal {
  msisdn: string;
  exposures: number;
  first: number;
  last: number;
  distinctHosts: number;
  /** Up to five hosts, most exposures first (ties by name). */
  topHosts: string[];
}

/** Rough heap cost: a number's map entry and boxed key, its slot in the typed arrays, a host name. */
const BYTES_PER_NUMBER = 64;
const BYTES_PER_SLOT = 28;
const BYTES_PER_PAIR = 16;
const BYTES_PER_HOST = 120;

const byCountThenName = (a: [string, number], b: [string, number]) =>
  b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function grow<T extends Float64Array | Int32Array>(a: T, size: number): T {
  if (size < a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/**
 * The run-wide merge of the scanners' partial totals, in the main thread. While the run's numbers fit a memory
 * budget it holds them whole, so the finish writes one final row per number with no aggregation left for
 * Postgres (a log covers each subscriber many times over). When the budget is exceeded the caller spills
 * everything to the staging table and Postgres sums it (`full`, `drainPairs`).
 *
 * Compact on purpose (~100 bytes a number, 16 a (number, host) pair): numbers are keyed by their E.164 digits
 * as a JS number, totals live in typed arrays, and each number's hosts are a linked list of pair slots.
 */
export class ExposureMerger {
  private slots = new Map<number, number>();
  private exposures = new Float64Array(1024);
  private first = new Float64Array(1024);
  private last = new Float64Array(1024);
  /** Per number: its most recent pair slot, -1 for none. */
  private head = new Int32Array(1024);
  private pairHost = new Int32Array(4096);
  private pairExposures = new Float64Array(4096);
  private pairNext = new Int32Array(4096);
  private pairs = 0;
  private hostIds = new Map<string, number>();
  private hostNames: string[] = [];
  /** Exposures per host, over what is held. */
  private hostTotals: number[] = [];

  constructor(readonly maxBytes = 64 << 20) {}

  get size(): number {
    return this.slots.size;
  }

  get estimatedBytes(): number {
    return (
      this.slots.size * BYTES_PER_NUMBER +
      this.head.length * BYTES_PER_SLOT +
      this.pairHost.length * BYTES_PER_PAIR +
      this.hostNames.length * BYTES_PER_HOST
    );
  }

  get full(): boolean {
    return this.estimatedBytes >= this.maxBytes;
  }

  add(p: PairTotal): void {
    let host = this.hostIds.get(p.host);
    if (host === undefined) {
      host = this.hostNames.length;
      this.hostIds.set(p.host, host);
      this.hostNames.push(p.host);
      this.hostTotals.push(0);
    }
    this.hostTotals[host] += p.exposures;
    const key = Number(p.msisdn.slice(1)); // E.164 has at most 15 digits: exact in a double
    if (!Number.isSafeInteger(key) || p.msisdn.charCodeAt(1) === 48 /* 0 */)
      throw new Error('ExposureMerger takes E.164 numbers only');
    let n = this.slots.get(key);
    if (n === undefined) {
      n = this.slots.size;
      this.slots.set(key, n);
      this.exposures = grow(this.exposures, n);
      this.first = grow(this.first, n);
      this.last = grow(this.last, n);
      this.head = grow(this.head, n);
      this.exposures[n] = 0;
      this.first[n] = p.first;
      this.last[n] = p.last;
      this.head[n] = -1;
    } else {
      if (p.first < this.first[n]) this.first[n] = p.first;
      if (p.last > this.last[n]) this.last[n] = p.last;
    }
    this.exposures[n] += p.exposures;
    for (let q = this.head[n]; q >= 0; q = this.pairNext[q])
      if (this.pairHost[q] === host) {
        this.pairExposures[q] += p.exposures;
        return;
      }
    const q = this.pairs++;
    this.pairHost = grow(this.pairHost, q);
    this.pairExposures = grow(this.pairExposures, q);
    this.pairNext = grow(this.pairNext, q);
    this.pairHost[q] = host;
    this.pairExposures[q] = p.exposures;
    this.pairNext[q] = this.head[n];
    this.head[n] = q;
  }

  /**
   * Hands over every (number, host) total and starts empty. A pair carries its number's first and last
   * seen: Postgres takes the minimum and maximum per number, never per pair.
   */
  drainPairs(): Iterable<PairTotal> {
    const held = this.takeAll(); // taken now, not when the caller starts iterating
    return (function* () {
      for (const [key, n] of held.slots)
        for (let q = held.head[n]; q >= 0; q = held.pairNext[q])
          yield {
            msisdn: '+' + key,
            host: held.hostNames[held.pairHost[q]],
            exposures: held.pairExposures[q],
            first: held.first[n],
            last: held.last[n],
          };
    })();
  }

  /** The final row of every number held (those not spilled). */
  *totals(): Generator<NumberTotal> {
    for (const [key, n] of this.slots) {
      const hosts: [string, number][] = [];
      for (let q = this.head[n]; q >= 0; q = this.pairNext[q])
        hosts.push([this.hostNames[this.pairHost[q]], this.pairExposures[q]]);
      hosts.sort(byCountThenName);
      yield {
        msisdn: '+' + key,
        exposures: this.exposures[n],
        first: this.first[n],
        last: this.last[n],
        distinctHosts: hosts.length,
        topHosts: hosts.slice(0, 5).map(([h]) => h),
      };
    }
  }

  /** The most exposed hosts of what is held (the whole run unless it spilled). */
  topHosts(limit = 20): { host: string; count: number }[] {
    return this.hostNames
      .map((h, i): [string, number] => [h, this.hostTotals[i]])
      .sort(byCountThenName)
      .slice(0, limit)
      .map(([host, count]) => ({ host, count }));
  }

  private takeAll() {
    const held = {
      slots: this.slots,
      first: this.first,
      last: this.last,
      head: this.head,
      pairHost: this.pairHost,
      pairExposures: this.pairExposures,
      pairNext: this.pairNext,
      hostNames: this.hostNames,
    };
    this.slots = new Map();
    this.exposures = new Float64Array(1024);
    this.first = new Float64Array(1024);
    this.last = new Float64Array(1024);
    this.head = new Int32Array(1024);
    this.pairHost = new Int32Array(4096);
    this.pairExposures = new Float64Array(4096);
    this.pairNext = new Int32Array(4096);
    this.pairs = 0;
    this.hostIds = new Map();
    this.hostNames = [];
    this.hostTotals = [];
    return held;
  }
}
