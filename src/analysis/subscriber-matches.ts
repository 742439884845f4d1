import { CopyOut } from '../platform/database/copy-in';
import { TOP_HOSTS } from './exposure-aggregator';
import { RunNumbers } from './run-numbers';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** COPY binary: the signature, flags and header extension length (both 0). */
const HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
/** One looked-up row: field count, then (ordinal int4, subscriber uuid), each after its length. */
const ROW = 2 + 4 + 4 + 4 + 16;
const UUID = 16;
/** Microseconds from 1970 to 2000, Postgres's epoch for binary timestamps. */
const PG_EPOCH_MS = 946_684_800_000;
const TEXT_OID = 25;

/**
 * One lane's matched numbers as Postgres answers its lookup (run-finish.repository.ts: a binary COPY out of
 * (ordinal, subscriber) pairs in subscriber order), parsed from the bytes as they arrive into typed arrays:
 * ordinals and subscriber ids (16 bytes each), in subscriber order.
 */
export class LaneMatches {
  count = 0;
  ordinals = new Int32Array(0);
  subscribers = Buffer.alloc(0);
  private readonly carry = Buffer.alloc(ROW);
  private carried = 0;
  private need = HEADER.length;
  private header = true;

  /** Room for `n` matches: at most the numbers the lane sent. */
  reserve(n: number): void {
    this.ordinals = new Int32Array(n);
    this.subscribers = Buffer.alloc(n * UUID);
  }

  push(chunk: Buffer): void {
    let at = 0;
    if (this.carried > 0) {
      at = Math.min(this.need - this.carried, chunk.length);
      chunk.copy(this.carry, this.carried, 0, at);
      this.carried += at;
      if (this.carried < this.need) return;
      this.carried = 0;
      this.unit(this.carry, 0);
    }
    while (chunk.length - at >= this.need) {
      const n = this.need;
      this.unit(chunk, at);
      at += n;
    }
    this.carried = chunk.copy(this.carry, 0, at);
  }

  /** Checks that the data ended where COPY ends it (its trailer, -1 as a field count). */
  end(): void {
    if (this.header || this.carried !== 2 || this.carry.readInt16BE(0) !== -1)
      throw new Error('the lookup of subscribers ended early');
  }

  private unit(b: Buffer, at: number): void {
    if (this.header) {
      if (!b.subarray(at, at + SIGNATURE.length).equals(SIGNATURE) || b.readInt32BE(at + 15) !== 0)
        throw new Error('the lookup of subscribers is not COPY binary as expected');
      this.header = false;
      this.need = ROW;
      return;
    }
    if (b.readInt16BE(at) !== 2 || b.readInt32BE(at + 2) !== 4 || b.readInt32BE(at + 10) !== UUID)
      throw new Error('unexpected row in the lookup of subscribers');
    if (this.count === this.ordinals.length) throw new Error('more subscribers found than numbers sent');
    this.ordinals[this.count] = b.readInt32BE(at + 6);
    b.copy(this.subscribers, this.count++ * UUID, at + 14, at + ROW);
  }
}

/** Compares subscriber ids a[i] and b[j] as Postgres orders uuids (bytewise). */
function compareIds(a: Buffer, i: number, b: Buffer, j: number): number {
  for (let k = 0; k < UUID; k++) {
    const d = a[i * UUID + k] - b[j * UUID + k];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The run's matches, one per subscriber: the lanes' matched numbers merged in subscriber order (a subscriber's
 * numbers, current and past, may be in different lanes), each subscriber's numbers summed from RunNumbers, and
 * written as COPY binary rows of `analysis_matches` in ranges of subscribers (one range a connection).
 */
export class SubscriberMatches {
  /** The lanes' matches in subscriber order: lane and position in it. */
  private readonly lane: Uint8Array;
  private readonly pos: Int32Array;
  /** Subscribers: the first entry of each, and one past the last. */
  private readonly starts: Int32Array;
  readonly subscribers: number;
  readonly numbers: number;

  constructor(
    private readonly lanes: LaneMatches[],
    private readonly run: RunNumbers,
  ) {
    this.numbers = lanes.reduce((n, l) => n + l.count, 0);
    this.lane = new Uint8Array(this.numbers);
    this.pos = new Int32Array(this.numbers);
    const next = new Int32Array(lanes.length);
    const starts = new Int32Array(this.numbers + 1);
    let subscribers = 0;
    for (let e = 0; e < this.numbers; e++) {
      let best = -1;
      for (let l = 0; l < lanes.length; l++)
        if (
          next[l] < lanes[l].count &&
          (best < 0 || compareIds(lanes[l].subscribers, next[l], lanes[best].subscribers, next[best]) < 0)
        )
          best = l;
      this.lane[e] = best;
      this.pos[e] = next[best]++;
      if (e === 0 || !this.sameSubscriber(e - 1, e)) starts[subscribers++] = e;
    }
    starts[subscribers] = this.numbers;
    this.starts = starts.slice(0, subscribers + 1);
    this.subscribers = subscribers;
  }

  private sameSubscriber(e: number, f: number): boolean {
    const a = this.lanes[this.lane[e]];
    const b = this.lanes[this.lane[f]];
    return compareIds(a.subscribers, this.pos[e], b.subscribers, this.pos[f]) === 0;
  }

  /** Subscribers [from, to) of `parts` equal ranges, in subscriber order. */
  range(part: number, parts: number): [number, number] {
    return [
      Math.floor((part * this.subscribers) / parts),
      Math.floor(((part + 1) * this.subscribers) / parts),
    ];
  }

  /**
   * Writes subscribers [from, to) as rows of the run's table of matches (subscriber_id, exposures, first_seen,
   * last_seen, websites) in COPY binary: exposures summed, first and last seen (exact to the microsecond, as
   * to_timestamp made them), websites the distinct top hosts of their numbers sorted as Postgres sorts them
   * (ORDER BY under C.UTF-8). A row with one website (most) takes that host's field whole, made once.
   */
  async write(out: CopyOut, from: number, to: number): Promise<void> {
    const rank = this.run.ranks();
    const names = this.run.hostsUtf8();
    const single = names.map(websitesField);
    const sum = new Float64Array(3);
    let hosts = new Int32Array(4 * TOP_HOSTS);
    // every row starts the same: its field count, then the subscriber's length
    const start = Buffer.alloc(2 + 4);
    start.writeInt16BE(5, 0);
    start.writeInt32BE(UUID, 2);
    out.bytes(HEADER);
    for (let s = from; s < to; s++) {
      sum[0] = 0;
      sum[1] = Infinity;
      sum[2] = -Infinity;
      const first = this.starts[s];
      const end = this.starts[s + 1];
      if ((end - first) * TOP_HOSTS > hosts.length) hosts = new Int32Array((end - first) * TOP_HOSTS);
      let n = 0;
      for (let e = first; e < end; e++)
        n = this.run.addTo(this.lanes[this.lane[e]].ordinals[this.pos[e]], sum, hosts, n);
      // sorted by rank (insertion: a handful), each host once
      let kept = 0;
      for (let i = 0; i < n; i++) {
        const h = hosts[i];
        let j = kept;
        while (j > 0 && rank[hosts[j - 1]] > rank[h]) j--;
        if (j > 0 && hosts[j - 1] === h) continue;
        for (let k = kept; k > j; k--) hosts[k] = hosts[k - 1];
        hosts[j] = h;
        kept++;
      }
      const lane = this.lanes[this.lane[first]];
      const at = this.pos[first] * UUID;
      out.bytes(start).bytes(lane.subscribers, at, at + UUID);
      out.int32(8).int64(sum[0]);
      out.int32(8).int64(Math.round((sum[1] - PG_EPOCH_MS) * 1000));
      out.int32(8).int64(Math.round((sum[2] - PG_EPOCH_MS) * 1000));
      if (kept === 1) out.bytes(single[hosts[0]]);
      else {
        let bytes = 12 + (kept > 0 ? 8 : 0);
        for (let i = 0; i < kept; i++) bytes += 4 + names[hosts[i]].length;
        out
          .int32(bytes)
          .int32(kept > 0 ? 1 : 0)
          .int32(0)
          .int32(TEXT_OID);
        if (kept > 0) out.int32(kept).int32(1);
        for (let i = 0; i < kept; i++) {
          const name = names[hosts[i]];
          out.int32(name.length).bytes(name);
        }
      }
      const wait = out.flushIfFull();
      if (wait) await wait;
    }
    out.int16(-1);
  }
}

/**
 * A websites field holding one host, as COPY binary sends a text[]: the field's length, then the array's
 * dimensions (1), null flag (0), element type, its one dimension's size (1) and lower bound (1), the element.
 */
function websitesField(name: Buffer): Buffer {
  const b = Buffer.alloc(4 + 20 + 4 + name.length);
  let at = b.writeInt32BE(20 + 4 + name.length, 0);
  for (const v of [1, 0, TEXT_OID, 1, 1, name.length]) at = b.writeInt32BE(v, at);
  name.copy(b, at);
  return b;
}
