import { CopyOut } from '../platform/database/copy-in';

/** Lane of a pseudonym (64 hex digits at `hex[at]`): its first digit's share of 0-f, so lanes hold ranges. */
export function laneOf(hex: Buffer, at: number, lanes: number): number {
  const c = hex[at];
  const digit = c <= 0x39 ? c - 0x30 : c - 0x57; // 0-9, a-f
  return (digit * lanes) >> 4;
}

/** The pseudonyms lane `lane` of `lanes` holds: [from, to) in bytewise order ('g' is past every hex digit). */
export function laneRange(lane: number, lanes: number): [string, string] {
  const digit = (l: number) => Math.ceil((l * 16) / lanes);
  const hex = (d: number) => (d >= 16 ? 'g' : d.toString(16));
  return [hex(digit(lane)), hex(digit(lane + 1))];
}

/**
 * One producer writing into every lane's COPY at once: each lane's connection joins with its open COPY;
 * when all have, `produce` runs once with their writers and returns how many rows each got. A lane that
 * fails before joining (`fail`) fails the others' joins, so no COPY waits for a lane that will never come.
 */
export class LaneFeed {
  private readonly outs: CopyOut[] = [];
  private joined = 0;
  private start!: (outs: CopyOut[]) => void;
  private abort!: (e: unknown) => void;
  private readonly counts: Promise<number[]>;

  constructor(
    private readonly lanes: number,
    produce: (outs: CopyOut[]) => Promise<number[]>,
  ) {
    this.counts = new Promise<CopyOut[]>((resolve, reject) => {
      this.start = resolve;
      this.abort = reject;
    }).then(produce);
    this.counts.catch(() => undefined); // seen by the lanes that joined; none may have
  }

  /** Lane `lane`'s COPY writer; resolves with the rows it was given once the producer is done. */
  async join(lane: number, out: CopyOut): Promise<number> {
    if (this.outs[lane]) throw new Error(`lane ${lane} joined twice`);
    this.outs[lane] = out;
    if (++this.joined === this.lanes) this.start(this.outs);
    return (await this.counts)[lane];
  }

  /** A lane failed: the producer does not start (a no-op once it has). */
  fail(e: unknown): void {
    this.abort(e);
  }
}
