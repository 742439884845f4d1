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
