/**
 * Exposures as a scanner hands them to the run's merger: one entry per exposure in typed arrays, which are
 * transferred between threads rather than copied, with hosts as ids into the scanner's table of host names;
 * a name travels once, with the first batch that uses it. (An object per (number, host) pair, cloned
 * across threads, cost the scanners more than parsing did, and the main thread as much again.)
 */
export interface ExposureBatch {
  /** Which scanner sent it: host ids are that scanner's. */
  source: number;
  count: number;
  /** E.164 digits as a number (exact: at most 15 digits). */
  numbers: Float64Array;
  hosts: Int32Array;
  times: Float64Array;
  /** Names of the hosts first used in this batch, in id order, after the ids already sent. */
  newHosts: string[];
  /** The scanner started its host table again (ids from 0) with this batch. */
  hostsReset: boolean;
}

/** An E.164 number's digits as a JS number: exact, and cheap to key and to send in a Float64Array. */
export function numberKey(msisdn: string): number {
  const key = Number(msisdn.slice(1));
  if (
    msisdn.charCodeAt(0) !== 43 /* + */ ||
    !Number.isSafeInteger(key) ||
    msisdn.charCodeAt(1) === 48 /* 0 */
  )
    throw new Error('exposures take E.164 numbers only');
  return key;
}

/** A batch's three arrays, as handed back to its scanner for reuse. */
export type BatchArrays = Pick<ExposureBatch, 'numbers' | 'hosts' | 'times'>;

/**
 * The scanner's side: fills a batch, `full` at `capacity` exposures (it grows past that rather than lose
 * one); its host table restarts past `maxHosts` names.
 */
export class ExposureBatcher {
  private hostIds = new Map<string, number>();
  private newHosts: string[] = [];
  private hostsReset = false;
  private epoch = 0;
  private count = 0;
  private numbers: Float64Array;
  private hosts: Int32Array;
  private times: Float64Array;

  /**
   * `spares`: arrays of drained batches that their receiver gave back (scan.worker.ts), used before new
   * ones: transferred buffers are freed only when the receiving thread collects, which it rarely does.
   */
  constructor(
    readonly source: number,
    readonly capacity = 32_768,
    readonly maxHosts = 65_536,
    private readonly spares: BatchArrays[] = [],
  ) {
    this.numbers = new Float64Array(capacity);
    this.hosts = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  add(msisdn: string, host: string, time: number): void {
    this.addKey(numberKey(msisdn), this.hostId(host), time);
  }

  /** Bumped each time the host table starts again: ids from `hostId` before that are void. */
  get hostEpoch(): number {
    return this.epoch;
  }

  /** The host's id in this batcher's table (added, to travel with the batch, when new). */
  hostId(host: string): number {
    let h = this.hostIds.get(host);
    if (h === undefined) {
      h = this.hostIds.size;
      this.hostIds.set(host, h);
      this.newHosts.push(host);
    }
    return h;
  }

  /** `add` for a number already keyed (`numberKey`) and a host id from `hostId`. */
  addKey(key: number, host: number, time: number): void {
    const i = this.count++;
    if (i === this.numbers.length) {
      // lines are added a chunk at a time, and the caller drains between chunks: a batch may run over
      this.numbers = grow(this.numbers, i);
      this.hosts = grow(this.hosts, i);
      this.times = grow(this.times, i);
    }
    this.numbers[i] = key;
    this.hosts[i] = host;
    this.times[i] = time;
  }

  /** Hands the batch over (its arrays are the receiver's from now on) and starts a new one. */
  drain(): ExposureBatch {
    const batch: ExposureBatch = {
      source: this.source,
      count: this.count,
      numbers: this.numbers,
      hosts: this.hosts,
      times: this.times,
      newHosts: this.newHosts,
      hostsReset: this.hostsReset,
    };
    const spare = this.spares.pop();
    this.numbers = spare?.numbers ?? new Float64Array(this.capacity);
    this.hosts = spare?.hosts ?? new Int32Array(this.capacity);
    this.times = spare?.times ?? new Float64Array(this.capacity);
    this.count = 0;
    this.newHosts = [];
    // a log can name millions of hosts: past the limit the table starts again, between batches only
    this.hostsReset = this.hostIds.size >= this.maxHosts;
    if (this.hostsReset) {
      this.hostIds = new Map();
      this.epoch++;
    }
    return batch;
  }
}

/** Total exposures of one (number, host) pair, with its number's first and last seen: what a spill stages. */
export interface PairTotal {
  msisdn: string;
  host: string;
  exposures: number;
  first: number;
  last: number;
}

/** One exposed number's totals, as a run's finish stores them (joined to its subscriber, summed per subscriber). */
export interface NumberTotal {
  msisdn: string;
  exposures: number;
  first: number;
  last: number;
  distinctHosts: number;
  /** Up to five hosts, most exposures first (ties by name). */
  topHosts: string[];
}

/** Fields of a spill record: number, exposures, first, last, host id (spill-files.ts). */
export const RECORD_FIELDS = 5;

/** The merger's arrays as they stand, read-only by convention: a number's pairs are a list from `head[n]`. */
export interface MergerView {
  size: number;
  keys: Float64Array;
  exposures: Float64Array;
  first: Float64Array;
  last: Float64Array;
  head: Int32Array;
  pairHost: Int32Array;
  pairExposures: Float64Array;
  pairNext: Int32Array;
  hostNames: readonly string[];
}

/** Memory cost: a place in the number table, a number's slot in the typed arrays, a pair, a host name (rough). */
const BYTES_PER_PLACE = 12;
const BYTES_PER_SLOT = 36;
const BYTES_PER_PAIR = 16;
const BYTES_PER_HOST = 120;
export const TOP_HOSTS = 5;
/** Room past the budget for the batch that crosses it (a scanner's batch runs over 32k by at most a chunk's lines). */
const HEADROOM = 65_536;

const byCountThenName = (a: [string, number], b: [string, number]) =>
  b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The most exposed hosts, most first, ties by name. */
export function rankHosts(totals: [string, number][], limit = 20): { host: string; count: number }[] {
  return totals
    .sort(byCountThenName)
    .slice(0, limit)
    .map(([host, count]) => ({ host, count }));
}

function grow<T extends Float64Array | Int32Array>(a: T, size: number): T {
  if (size < a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/**
 * E.164 numbers (as their digits) to slot numbers: open addressing over typed arrays, because a Map boxes
 * every double it is given as a key, and the merger looks one up per exposure (4x faster, a third the memory).
 */
export class NumberTable {
  private keys = new Float64Array(1 << 12); // 0 is free: no E.164 number is 0
  private values = new Int32Array(1 << 12);
  size = 0;

  get capacity(): number {
    return this.keys.length;
  }

  // Keys are read from an array (`from[at]`), not passed: a double passed to a function that is not inlined
  // is boxed on the heap, and the merger looks up one per exposure (10M exposures made 320 MB of garbage).

  /** The value for the key `from[at]`, or -1. */
  get(from: Float64Array, at: number): number {
    const key = from[at];
    const mask = this.keys.length - 1;
    for (let i = hashKey(key) & mask; ; i = (i + 1) & mask) {
      const k = this.keys[i];
      if (k === key) return this.values[i];
      if (k === 0) return -1;
    }
  }

  /** Empties the table, keeping its size (a spilled merge fills it again). */
  clear(): void {
    this.keys.fill(0);
    this.size = 0;
  }

  /** Adds the key `from[at]`, not in the table yet. */
  add(from: Float64Array, at: number, value: number): void {
    const key = from[at];
    if (++this.size * 2 > this.keys.length) this.rehash();
    const mask = this.keys.length - 1;
    let i = hashKey(key) & mask;
    while (this.keys[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = key;
    this.values[i] = value;
  }

  private rehash(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2);
    const mask = this.keys.length - 1;
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === 0) continue;
      let i = hashKey(keys[j]) & mask;
      while (this.keys[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = keys[j];
      this.values[i] = values[j];
    }
  }
}

/** Mixes both halves of a number of up to 53 bits into 32 (the low digits alone cluster). */
export function hashKey(key: number): number {
  const lo = (key % 4294967296) | 0;
  const hi = (key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0xc2b2ae35) ^ (h >>> 13);
}

/**
 * The run-wide merge of the scanners' partial totals, in the main thread. While the run's numbers fit a memory
 * budget it holds them whole, so the finish writes one final row per number with no aggregation left for
 * Postgres (a log covers each subscriber many times over). When the budget is exceeded the caller spills
 * everything to the staging table, empties the merger and goes on; Postgres sums the spills (`full`,
 * `pairs`, `clear`).
 *
 * Compact on purpose (~60 bytes a number, 16 a (number, host) pair): numbers are keyed by their E.164 digits
 * as a JS number in an open-addressing table, totals live in typed arrays, and each number's hosts are a
 * linked list of pair slots. The arrays are views of one buffer sized for the budget when the merger is
 * made, and filled from their starts: the memory a run touches is what it holds (the operating system maps
 * untouched pages lazily), with no copies left behind for the collector as arrays that double would leave
 * (those were ~50 MB at a spill), and a spill's merger is refilled in place.
 */
export class ExposureMerger {
  /** A number's slot: its index in the typed arrays, in the order numbers arrived. */
  private slots = new NumberTable();
  private keys!: Float64Array;
  private exposures!: Float64Array;
  private first!: Float64Array;
  private last!: Float64Array;
  /** Per number: its most recent pair slot, -1 for none. */
  private head!: Int32Array;
  private pairHost!: Int32Array;
  private pairExposures!: Float64Array;
  private pairNext!: Int32Array;
  private pairCount = 0;
  private hostIds = new Map<string, number>();
  private hostNames: string[] = [];
  /** Exposures per host, over what is held. */
  private hostTotals: number[] = [];
  /** Each scanner's host names, and their ids here as of generation `gen`. */
  private sources = new Map<number, { names: string[]; ids: number[]; gen: number }>();
  /** Counts drains: host ids start again with each. */
  private gen = 0;
  /** add()'s number, first and last seen, handed to addOne like a batch's. */
  private readonly one = new Float64Array(3);

  constructor(readonly maxBytes = 64 << 20) {
    this.allocate(
      Math.ceil(maxBytes / BYTES_PER_SLOT) + HEADROOM,
      Math.ceil(maxBytes / BYTES_PER_PAIR) + HEADROOM,
    );
  }

  /** Lays out the arrays in one new buffer, copying what is held (at construction, and if a batch outgrows them). */
  private allocate(slots: number, pairs: number): void {
    const buf = new ArrayBuffer(slots * BYTES_PER_SLOT + pairs * BYTES_PER_PAIR); // the two sums of the sizes below
    let at = 0;
    const f64 = (n: number) => new Float64Array(buf, (at += n * 8) - n * 8, n);
    const i32 = (n: number) => new Int32Array(buf, (at += n * 4) - n * 4, n);
    const copy = <T extends Float64Array | Int32Array>(to: T, from: T | undefined, n: number) => {
      if (from) to.set(from.subarray(0, n));
      return to;
    };
    const n = this.slots.size;
    const p = this.pairCount;
    this.keys = copy(f64(slots), this.keys, n);
    this.exposures = copy(f64(slots), this.exposures, n);
    this.first = copy(f64(slots), this.first, n);
    this.last = copy(f64(slots), this.last, n);
    this.pairExposures = copy(f64(pairs), this.pairExposures, p);
    this.head = copy(i32(slots), this.head, n);
    this.pairHost = copy(i32(pairs), this.pairHost, p);
    this.pairNext = copy(i32(pairs), this.pairNext, p);
  }

  /** Makes room for `more` numbers and pairs, so that adding needs no checks. */
  private reserve(more: number): void {
    const n = this.slots.size + more;
    const p = this.pairCount + more;
    if (n > this.keys.length || p > this.pairHost.length)
      this.allocate(Math.max(n, this.keys.length) * 2, Math.max(p, this.pairHost.length) * 2);
  }

  get size(): number {
    return this.slots.size;
  }

  get estimatedBytes(): number {
    return (
      this.slots.capacity * BYTES_PER_PLACE +
      this.slots.size * BYTES_PER_SLOT +
      this.pairCount * BYTES_PER_PAIR +
      this.hostNames.length * BYTES_PER_HOST
    );
  }

  get full(): boolean {
    return this.estimatedBytes >= this.maxBytes;
  }

  /** Adds one (number, host) total. */
  add(p: PairTotal): void {
    const one = this.one;
    one[0] = numberKey(p.msisdn);
    one[1] = p.first;
    one[2] = p.last;
    this.reserve(1);
    this.addOne(one, 0, one, 1, one, 2, this.hostId(p.host), p.exposures);
  }

  /** Adds a scanner's batch of exposures. */
  addBatch(b: ExposureBatch): void {
    let src = this.sources.get(b.source);
    if (!src || b.hostsReset) this.sources.set(b.source, (src = { names: [], ids: [], gen: this.gen }));
    for (const name of b.newHosts) src.names.push(name);
    // the scanner's host id -> ours, looked up by name once per id (and again after a drain restarts ours)
    if (src.gen !== this.gen) src.ids = [];
    src.gen = this.gen;
    const ids = src.ids;
    while (ids.length < src.names.length) ids.push(-1);
    this.reserve(b.count);
    for (let i = 0; i < b.count; i++) {
      const local = b.hosts[i];
      let host = ids[local];
      if (host < 0) host = ids[local] = this.hostId(src.names[local]);
      this.addOne(b.numbers, i, b.times, i, b.times, i, host, 1);
    }
  }

  /**
   * Adds `count` (number, host) totals from a spill file's records (spill-files.ts: five doubles each,
   * number, exposures, first, last, host id), host ids being indexes into `hostNames`.
   */
  addRecords(rec: Float64Array, count: number, hostNames: readonly string[]): void {
    const ids = new Int32Array(hostNames.length).fill(-1);
    this.reserve(count);
    for (let i = 0, r = 0; i < count; i++, r += RECORD_FIELDS) {
      const local = rec[r + 4];
      let host = ids[local];
      if (host < 0) host = ids[local] = this.hostId(hostNames[local]);
      this.addOne(rec, r, rec, r + 2, rec, r + 3, host, rec[r + 1]);
    }
  }

  /** Reads what is held without copying it: the spill writer walks the arrays (spill-files.ts). */
  view(): MergerView {
    return {
      size: this.slots.size,
      keys: this.keys,
      exposures: this.exposures,
      first: this.first,
      last: this.last,
      head: this.head,
      pairHost: this.pairHost,
      pairExposures: this.pairExposures,
      pairNext: this.pairNext,
      hostNames: this.hostNames,
    };
  }

  /** Exposures per host name over what is held (a spilled run adds these up over its partitions). */
  hostExposures(): [string, number][] {
    return this.hostNames.map((h, i): [string, number] => [h, this.hostTotals[i]]);
  }

  private hostId(name: string): number {
    let host = this.hostIds.get(name);
    if (host === undefined) {
      host = this.hostNames.length;
      this.hostIds.set(name, host);
      this.hostNames.push(name);
      this.hostTotals.push(0);
    }
    return host;
  }

  /**
   * Adds `exposures` of the number `keys[k]` on `host`, seen from `firsts[f]` to `lasts[l]`: the doubles are
   * read from arrays rather than passed, which would box each one on the heap (NumberTable).
   */
  private addOne(
    keys: Float64Array,
    k: number,
    firsts: Float64Array,
    f: number,
    lasts: Float64Array,
    l: number,
    host: number,
    exposures: number,
  ): void {
    this.hostTotals[host] += exposures;
    const first = firsts[f];
    const last = lasts[l];
    let n = this.slots.get(keys, k);
    if (n < 0) {
      n = this.slots.size;
      this.slots.add(keys, k, n);
      this.keys[n] = keys[k];
      this.exposures[n] = 0;
      this.first[n] = first;
      this.last[n] = last;
      this.head[n] = -1;
    } else {
      if (first < this.first[n]) this.first[n] = first;
      if (last > this.last[n]) this.last[n] = last;
    }
    this.exposures[n] += exposures;
    for (let q = this.head[n], prev = -1; q >= 0; prev = q, q = this.pairNext[q])
      if (this.pairHost[q] === host) {
        this.pairExposures[q] += exposures;
        if (prev >= 0) {
          // to the front: a number's next exposure is most likely on the same host (a page's requests)
          this.pairNext[prev] = this.pairNext[q];
          this.pairNext[q] = this.head[n];
          this.head[n] = q;
        }
        return;
      }
    const q = this.pairCount++;
    this.pairHost[q] = host;
    this.pairExposures[q] = exposures;
    this.pairNext[q] = this.head[n];
    this.head[n] = q;
  }

  /**
   * Every (number, host) total held, a number's pairs one after another; then `clear()`. A pair carries its
   * number's first and last seen: Postgres takes the minimum and maximum per number, never per pair. One
   * object is yielded, updated in place (a million pairs make no garbage): copy what must outlive the step.
   */
  *pairs(): Generator<Readonly<PairTotal>> {
    const t: PairTotal = { msisdn: '', host: '', exposures: 0, first: 0, last: 0 };
    for (let n = 0; n < this.slots.size; n++) {
      t.msisdn = '+' + this.keys[n];
      t.first = this.first[n];
      t.last = this.last[n];
      for (let q = this.head[n]; q >= 0; q = this.pairNext[q]) {
        t.host = this.hostNames[this.pairHost[q]];
        t.exposures = this.pairExposures[q];
        yield t;
      }
    }
  }

  /** Starts empty, keeping its memory for what comes next; host ids start again. */
  clear(): void {
    this.slots.clear();
    this.pairCount = 0;
    this.hostIds = new Map();
    this.hostNames = [];
    this.hostTotals = [];
    this.gen++;
  }

  /** The numbers held, E.164: the nth is the one at position n for `totals(order)`. */
  *numbers(): Generator<string> {
    for (let n = 0; n < this.slots.size; n++) yield '+' + this.keys[n];
  }

  /** The final row of every number held (those not spilled), in `order` (positions in `numbers()`) if given. */
  *totals(order?: Iterable<number>): Generator<NumberTotal> {
    const top = new Int32Array(TOP_HOSTS);
    for (const n of order ?? Array.from({ length: this.slots.size }, (_, i) => i)) {
      let hosts = 0;
      for (let q = this.head[n]; q >= 0; q = this.pairNext[q]) hosts++;
      const kept = this.topHostIds(n, top);
      const topHosts: string[] = [];
      for (let i = 0; i < kept; i++) topHosts.push(this.hostNames[top[i]]);
      yield {
        msisdn: '+' + this.keys[n],
        exposures: this.exposures[n],
        first: this.first[n],
        last: this.last[n],
        distinctHosts: hosts,
        topHosts,
      };
    }
  }

  /**
   * Number n's top hosts (at most TOP_HOSTS: most exposures first, ties by name) into `top` as ids into
   * `view().hostNames`; returns how many. Picked by insertion into the fixed array: sorting every number's
   * hosts allocated ~200 MB of short-lived arrays for 151k numbers, which V8 let pile up on the heap.
   */
  topHostIds(n: number, top: Int32Array): number {
    let kept = 0;
    for (let q = this.head[n]; q >= 0; q = this.pairNext[q]) {
      if (kept === TOP_HOSTS && !this.ranksBefore(q, top[TOP_HOSTS - 1])) continue;
      let i = kept < TOP_HOSTS ? kept++ : TOP_HOSTS - 1;
      for (; i > 0 && this.ranksBefore(q, top[i - 1]); i--) top[i] = top[i - 1];
      top[i] = q;
    }
    for (let i = 0; i < kept; i++) top[i] = this.pairHost[top[i]];
    return kept;
  }

  /** Pair q before pair r: more exposures, then host name. */
  private ranksBefore(q: number, r: number): boolean {
    const a = this.pairExposures[q];
    const b = this.pairExposures[r];
    return a !== b ? a > b : this.hostNames[this.pairHost[q]] < this.hostNames[this.pairHost[r]];
  }

  /** The most exposed hosts of what is held (the whole run unless it spilled). */
  topHosts(limit = 20): { host: string; count: number }[] {
    return rankHosts(this.hostExposures(), limit);
  }
}
