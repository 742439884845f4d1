import { ExposureMerger, TOP_HOSTS } from './exposure-aggregator';
import { PARTITIONS, partitionOf } from './spill-files';

/**
 * A number's place in RunNumbers, as the finish sends it to Postgres with its pseudonym and gets it back with
 * its subscriber: its partition in the top bits, its index there in the low ones (an int4).
 */
const INDEX_BITS = 25;
const INDEX_MASK = (1 << INDEX_BITS) - 1;

/**
 * Doubles a number takes in a block: exposures, first, last, and its hosts: -1 - the host's id when it has one
 * (most numbers at a national scale: one read, no second miss), else where they are (start * 8 + count).
 */
const FIGURES = 4;
if (TOP_HOSTS >= 8) throw new Error("a number's host count must fit in 3 bits (FIGURES)");

/**
 * One partition's numbers: final figures, a number's four in a row (32 bytes, one cache line: the finish reads
 * them in subscriber order, i.e. at random, and four arrays cost four misses a number), top hosts as ids into
 * RunNumbers' host table.
 */
interface Block {
  size: number;
  figures: Float64Array;
  hosts: Int32Array;
}

/** The numbers of a `take()`: their slots in the merger (for their pseudonyms) and their ordinals here. */
export interface Taken {
  count: number;
  slots: Int32Array;
  ordinals: Int32Array;
}

/**
 * Every number of a run with its final figures (exposures, first and last seen, top hosts), held until the
 * finish knows their subscribers: ~40 bytes a number in typed arrays, one block per partition (no copies as
 * it grows), host names once each. The merger holds a run's numbers only while they fit its budget; a
 * spilled run's are summed a partition at a time, so the finish keeps them here.
 */
export class RunNumbers {
  private readonly blocks: Block[] = [];
  private readonly hostIds = new Map<string, number>();
  private readonly hostNames: string[] = [];
  private hostBytes: Buffer[] = [];
  private hostRank: Int32Array | null = null;
  /** Numbers held, and their earliest and latest sighting (ms). */
  distinct = 0;
  first = Infinity;
  last = -Infinity;

  /**
   * Takes the final figures of the merger's numbers in partitions [from, to): all it holds (a held run), or
   * the one partition it was loaded with (a spilled run). The merger is only read.
   */
  take(merger: ExposureMerger, from: number, to: number): Taken {
    const v = merger.view();
    const sizes = new Int32Array(PARTITIONS);
    const parts = new Uint8Array(v.size);
    let count = 0;
    for (let n = 0; n < v.size; n++) {
      const p = (parts[n] = partitionOf(v.keys[n]));
      if (p >= from && p < to) {
        sizes[p]++;
        count++;
      }
    }
    for (let p = from; p < to; p++) {
      if (this.blocks[p]) throw new Error(`partition ${p} was taken twice`);
      if (sizes[p] > INDEX_MASK) throw new Error(`partition ${p} holds more than ${INDEX_MASK} numbers`);
      this.blocks[p] = {
        size: 0,
        figures: new Float64Array(sizes[p] * FIGURES),
        hosts: new Int32Array(sizes[p] * TOP_HOSTS),
      };
    }
    const global = new Int32Array(v.hostNames.length).fill(-1);
    const top = new Int32Array(TOP_HOSTS);
    const taken: Taken = { count, slots: new Int32Array(count), ordinals: new Int32Array(count) };
    const hostEnds = new Int32Array(PARTITIONS);
    for (let n = 0, t = 0; n < v.size; n++) {
      const p = parts[n];
      if (p < from || p >= to) continue;
      const b = this.blocks[p];
      const i = b.size++;
      const f = i * FIGURES;
      b.figures[f] = v.exposures[n];
      b.figures[f + 1] = v.first[n];
      b.figures[f + 2] = v.last[n];
      if (v.first[n] < this.first) this.first = v.first[n];
      if (v.last[n] > this.last) this.last = v.last[n];
      const kept = merger.topHostIds(n, top);
      let h = hostEnds[p];
      for (let j = 0; j < kept; j++) {
        const local = top[j];
        b.hosts[h++] = global[local] >= 0 ? global[local] : (global[local] = this.hostId(v.hostNames[local]));
      }
      if (kept === 1) {
        b.figures[f + 3] = -1 - b.hosts[--h];
      } else b.figures[f + 3] = hostEnds[p] * 8 + kept;
      hostEnds[p] = h;
      taken.slots[t] = n;
      taken.ordinals[t++] = (p << INDEX_BITS) | i;
    }
    for (let p = from; p < to; p++) {
      const b = this.blocks[p];
      b.hosts = b.hosts.slice(0, hostEnds[p]); // most numbers have fewer than five hosts
    }
    this.distinct += count;
    return taken;
  }

  private hostId(name: string): number {
    let id = this.hostIds.get(name);
    if (id === undefined) {
      id = this.hostNames.length;
      this.hostIds.set(name, id);
      this.hostNames.push(name);
      this.hostRank = null;
    }
    return id;
  }

  /**
   * Adds the number at `ordinal` into a subscriber's figures: `sum` holds [exposures, first, last] (start from
   * [0, Infinity, -Infinity]); its top hosts (ids) are appended to `hosts` from `at`. Returns the hosts' new end.
   */
  addTo(ordinal: number, sum: Float64Array, hosts: Int32Array, at: number): number {
    const b = this.blocks[ordinal >>> INDEX_BITS];
    const i = ordinal & INDEX_MASK;
    if (!b || i >= b.size) throw new Error(`no number at ordinal ${ordinal}`);
    const figures = b.figures;
    const f = i * FIGURES;
    sum[0] += figures[f];
    if (figures[f + 1] < sum[1]) sum[1] = figures[f + 1];
    if (figures[f + 2] > sum[2]) sum[2] = figures[f + 2];
    const where = figures[f + 3];
    if (where < 0) {
      hosts[at] = -1 - where;
      return at + 1;
    }
    const start = Math.floor(where / 8);
    for (let h = start, end = start + (where % 8); h < end; h++) hosts[at++] = b.hosts[h];
    return at;
  }

  /** The hosts' names as UTF-8, as COPY sends them, by id (once ranks() has run). */
  hostsUtf8(): readonly Buffer[] {
    return this.hostBytes;
  }

  /**
   * Each host's place in the order Postgres sorts text under the database's C.UTF-8 collation, i.e. by code
   * point, which is the order of the UTF-8 bytes (JavaScript's `<` compares UTF-16 units, which differs past
   * U+FFFF). Computed once all numbers are taken.
   */
  ranks(): Int32Array {
    if (this.hostRank) return this.hostRank;
    this.hostBytes = this.hostNames.map((h) => Buffer.from(h, 'utf8'));
    const byBytes = Array.from(this.hostNames.keys()).sort((a, b) =>
      Buffer.compare(this.hostBytes[a], this.hostBytes[b]),
    );
    const rank = new Int32Array(byBytes.length);
    byBytes.forEach((id, r) => (rank[id] = r));
    return (this.hostRank = rank);
  }
}
