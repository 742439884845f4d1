/**
 * Re-cuts a byte stream (an inflating .gz file, say) into chunks that end on a line boundary, so that
 * several parsers can take one chunk each, in any order. Every chunk owns its whole ArrayBuffer (bytes
 * `[0, length)` are the data), so it can be transferred to a worker thread without a copy; give the
 * buffers back with `recycle` once parsed, and the chunker allocates nothing more.
 *
 * A chunk holds whole lines only and ends with `\n` (a missing newline at the end of the input is
 * added: a last line reads the same with or without it). A line longer than a chunk cannot be handed
 * out: it is dropped and reported to `onOverlong` (the size must exceed the parsers' own maximum line
 * length, so that they agree on what is too long).
 */
export class LineChunker {
  private free: ArrayBuffer[] = [];
  private cur: Buffer;
  private used = 0;
  private skipping = false;

  constructor(
    private readonly size: number,
    private readonly onChunk: (buf: ArrayBuffer, length: number) => void,
    private readonly onOverlong: () => void,
  ) {
    this.cur = this.take();
  }

  push(data: Buffer): void {
    let off = 0;
    while (off < data.length) {
      if (this.skipping) {
        const nl = data.indexOf(10, off);
        if (nl < 0) return;
        this.skipping = false;
        off = nl + 1;
        continue;
      }
      const n = Math.min(data.length - off, this.size - this.used);
      data.copy(this.cur, this.used, off, off + n);
      this.used += n;
      off += n;
      if (this.used === this.size) this.cut();
    }
  }

  /** Hands out what is left (the input has ended). */
  end(): void {
    if (this.used > 0) {
      if (this.cur[this.used - 1] !== 10) this.cur[this.used++] = 10; // room: a full chunk is cut at once
      this.onChunk(this.cur.buffer as ArrayBuffer, this.used);
      this.cur = this.take();
      this.used = 0;
    }
    this.skipping = false;
  }

  /** A chunk's buffer back, to be filled again. */
  recycle(buf: ArrayBuffer): void {
    if (buf.byteLength === this.size && this.free.length < 8) this.free.push(buf);
  }

  private cut(): void {
    const nl = this.cur.lastIndexOf(10, this.used - 1);
    if (nl < 0) {
      // one line fills the whole chunk: drop it up to its newline
      this.used = 0;
      this.skipping = true;
      this.onOverlong();
      return;
    }
    const next = this.take();
    const rest = this.used - (nl + 1);
    this.cur.copy(next, 0, nl + 1, this.used);
    this.onChunk(this.cur.buffer as ArrayBuffer, nl + 1);
    this.cur = next;
    this.used = rest;
  }

  private take(): Buffer {
    return Buffer.from(this.free.pop() ?? new ArrayBuffer(this.size));
  }
}
