/** A line as bytes: `buf[start, end)`, without its newline (nor a `\r` before it). Valid during the call. */
export type ByteLineHandler = (buf: Buffer, start: number, end: number) => void;

/**
 * Whole lines at once: `buf[start, end)` holds lines each ending with `\n` (`\r` not stripped, none longer
 * than the limit checked). Returns `end` when it took them all, else the start of a line it leaves to the
 * splitter (the line handler, or the overlong rule); it is then called again from the next line.
 */
export type ByteLinesHandler = (buf: Buffer, start: number, end: number) => number;

/** The longest line a splitter takes by default (bytes before its newline). */
export const MAX_LINE_BYTES = 1 << 20;

/**
 * Splits a byte stream into lines on `\n` (dropping a trailing `\r`) without decoding whole chunks:
 * each line is handed over as bytes (`ByteLineSplitter`) or decoded alone, as latin1 (`LineSplitter`),
 * which maps bytes 1:1 and is the cheapest decoding V8 has (log fields that matter are ASCII; a UTF-8
 * user agent only comes out garbled, never lost).
 *
 * Offsets are absolute, so a byte range worker can stop at the first line that starts at or after the
 * end of its range. A line longer than `maxLineBytes` (bytes before its newline, however the input is
 * cut into chunks) is reported as too long (malformed) and its bytes are skipped, so memory stays
 * bounded whatever the input.
 */
export class ByteLineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryStart: number;
  private overlong = false;
  private stopped = false;
  private skipping: boolean;
  private nextOffset: number;

  constructor(
    private readonly onLine: ByteLineHandler,
    private readonly opts: SplitterOptions = {},
  ) {
    this.carryStart = this.nextOffset = opts.startOffset ?? 0;
    this.skipping = !!opts.skipFirstLine;
  }

  /** True once a line starting at or after `stopAt` was seen: the caller can stop reading. */
  get done(): boolean {
    return this.stopped;
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    const chunkOffset = this.nextOffset;
    this.nextOffset += chunk.length;
    const stopAt = this.opts.stopAt ?? Infinity;
    const max = this.opts.maxLineBytes ?? MAX_LINE_BYTES;
    let pos = 0;
    let block = !!this.opts.onLines;
    if (this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carryStart = chunkOffset + chunk.length;
        return;
      }
      this.skipping = false;
      pos = nl + 1;
      this.carryStart = chunkOffset + pos;
    }
    for (;;) {
      if (block && this.carryBytes === 0 && !this.overlong) {
        // the chunk's own whole lines, before the range's end, in one go; what is left goes on below
        block = false;
        pos = this.lines(chunk, pos, stopAt - chunkOffset, max);
        this.carryStart = chunkOffset + pos;
      }
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      const lineStart = this.carryBytes > 0 || this.overlong ? this.carryStart : chunkOffset + pos;
      if (lineStart >= stopAt) {
        this.stopped = true;
        return;
      }
      if (this.overlong) {
        this.overlong = false;
        this.opts.onOverlong?.();
      } else if (this.carryBytes > 0) {
        const long = this.carryBytes + nl - pos > max;
        this.carry.push(chunk.subarray(pos, nl));
        const whole = long ? null : Buffer.concat(this.carry);
        this.carry = [];
        this.carryBytes = 0;
        if (whole) this.emit(whole, 0, whole.length);
        else this.opts.onOverlong?.();
      } else if (nl - pos > max) this.opts.onOverlong?.();
      else this.emit(chunk, pos, nl);
      pos = nl + 1;
      this.carryStart = chunkOffset + pos;
    }
    if (pos < chunk.length) {
      if (this.carryBytes === 0 && !this.overlong) this.carryStart = chunkOffset + pos;
      if (this.carryStart >= stopAt) {
        this.stopped = true;
        return;
      }
      if (!this.overlong) {
        this.carryBytes += chunk.length - pos;
        if (this.carryBytes > max) {
          this.overlong = true;
          this.carry = [];
          this.carryBytes = 0;
        } else this.carry.push(Buffer.from(chunk.subarray(pos))); // copy: the stream may reuse its buffer
      }
    }
  }

  /** The last line when the input does not end with a newline. */
  end(): void {
    if (this.stopped || this.skipping) return;
    if (this.overlong) {
      this.overlong = false;
      this.opts.onOverlong?.();
    } else if (this.carryBytes > 0 && this.carryStart < (this.opts.stopAt ?? Infinity)) {
      const whole = Buffer.concat(this.carry);
      this.emit(whole, 0, whole.length);
    }
    this.carry = [];
    this.carryBytes = 0;
  }

  /** Hands `onLines` the whole lines from `pos` that start before `stop` (chunk offsets); returns where they end. */
  private lines(chunk: Buffer, pos: number, stop: number, max: number): number {
    let end = chunk.lastIndexOf(10) + 1;
    if (stop < end) end = stop <= pos ? pos : chunk.indexOf(10, stop - 1) + 1;
    while (pos < end) {
      const at = this.opts.onLines!(chunk, pos, end);
      if (at >= end) return end;
      const nl = chunk.indexOf(10, at);
      if (nl - at > max) this.opts.onOverlong?.();
      else this.emit(chunk, at, nl);
      pos = nl + 1;
    }
    return pos;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    this.onLine(buf, start, end > start && buf[end - 1] === 13 ? end - 1 : end);
  }
}

export interface SplitterOptions {
  /** Absolute offset of the first byte pushed. */
  startOffset?: number;
  /** Lines starting at or after this offset belong to the next range. */
  stopAt?: number;
  /** Drop everything up to the first newline (a range reader starts one byte early, on a line's tail). */
  skipFirstLine?: boolean;
  maxLineBytes?: number;
  onOverlong?: () => void;
  /** Takes the whole lines within a chunk in blocks; the line handler gets the others (carried over, left). */
  onLines?: ByteLinesHandler;
}

/** A `ByteLineSplitter` that decodes each line as latin1. */
export class LineSplitter extends ByteLineSplitter {
  constructor(onLine: (line: string) => void, opts: SplitterOptions = {}) {
    super((buf, start, end) => onLine(buf.toString('latin1', start, end)), opts);
  }
}
