import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { DataSource, EntityManager } from 'typeorm';

/**
 * A COPY buffer's size. It is sent half full, still larger than the socket's high-water mark (16 KiB on Node 20, 64 KiB on 22), so
 * pg-copy-streams only calls a chunk's write callback once the socket has drained, i.e. written it out:
 * that is what makes reusing the buffer afterwards safe.
 */
const BUFFER_BYTES = 256 * 1024;
/** Buffers in flight at once: one being filled while the other is sent. */
const BUFFERS = 2;
/** The buffer while none is free (a write then would grow it into a fresh one; callers await instead). */
const NONE = Buffer.alloc(0);

/**
 * COPY text written as bytes into a few reusable buffers, never as strings or arrays of rows: a run's
 * million rows cost the same memory as ten. The caller escapes its text (copyText) and awaits `endRow()`
 * when it returns a promise (both buffers are in flight: backpressure).
 */
export class CopyOut {
  private free: Buffer[] = [];
  private buf: Buffer;
  private at = 0;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(private readonly stream: Writable) {
    for (let i = 0; i < BUFFERS; i++) this.free.push(Buffer.allocUnsafe(BUFFER_BYTES));
    this.buf = this.free.pop()!;
    stream.on('error', (e) => {
      this.failure = e;
      this.wake?.();
    });
  }

  /** Appends text as it is (UTF-8). */
  text(s: string): this {
    this.room(s.length * 3);
    this.at += this.buf.write(s, this.at, 'utf8');
    return this;
  }

  /** Appends an integer in decimal, digit by digit for a safe non-negative one (no string per number). */
  int(n: number): this {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) return this.text(String(n));
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    this.room(digits);
    for (let i = this.at + digits - 1, x = n; i >= this.at; i--, x = Math.floor(x / 10))
      this.buf[i] = 48 + (x % 10);
    this.at += digits;
    return this;
  }

  /** Appends a big-endian 16-bit integer (COPY binary: a row's field count, the end marker -1). */
  int16(n: number): this {
    this.room(2);
    this.at = this.buf.writeInt16BE(n, this.at);
    return this;
  }

  /** Appends a big-endian 32-bit integer (COPY binary: a field's length, an int4). */
  int32(n: number): this {
    this.room(4);
    const b = this.buf;
    b[this.at] = n >>> 24;
    b[this.at + 1] = n >>> 16;
    b[this.at + 2] = n >>> 8;
    b[this.at + 3] = n;
    this.at += 4;
    return this;
  }

  /** Appends a safe integer as a big-endian 64-bit one (COPY binary: an int8, a timestamp's microseconds). */
  int64(n: number): this {
    const hi = Math.floor(n / 4294967296);
    return this.int32(hi).int32(n - hi * 4294967296);
  }

  /** Appends bytes `from[start, end)` as they are. */
  bytes(from: Buffer, start = 0, end = from.length): this {
    this.room(end - start);
    // a uuid, a host name: a loop beats copy()'s call into C++ (a 64-byte pseudonym no longer does)
    if (end - start >= 64) this.at += from.copy(this.buf, this.at, start, end);
    else for (let i = start; i < end; i++) this.buf[this.at++] = from[i];
    return this;
  }

  /** Appends one byte (a tab, a newline, a comma of an array literal). */
  byte(b: number): this {
    this.room(1);
    this.buf[this.at++] = b;
    return this;
  }

  /** Ends a row; a promise when the caller must wait (see flushIfFull). */
  endRow(): Promise<void> | undefined {
    this.byte(0x0a);
    return this.flushIfFull();
  }

  /**
   * Sends the buffer once it is half full (whole rows or not: COPY data need not break at rows); a promise
   * when every buffer is in flight, resolved when one comes back. Nothing may be written before it resolves.
   */
  flushIfFull(): Promise<void> | undefined {
    if (this.at < BUFFER_BYTES / 2) return undefined;
    this.send();
    if (!this.free.length) return this.waitForBuffer();
    this.buf = this.free.pop()!;
    return undefined;
  }

  /** Sends what is left and ends the COPY. */
  async end(): Promise<void> {
    if (this.at) this.send();
    if (this.failure) throw this.failure;
    this.stream.end();
    await finished(this.stream);
  }

  /** A row wider than the room left grows the buffer (a grown one is not pooled). */
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n, BUFFER_BYTES));
    this.buf.copy(bigger, 0, 0, this.at);
    if (this.buf.length === BUFFER_BYTES) this.free.push(this.buf); // not in flight: back to the pool
    this.buf = bigger;
  }

  private send(): void {
    const full = this.buf;
    this.stream.write(full.subarray(0, this.at), () => {
      if (full.length === BUFFER_BYTES) this.free.push(full);
      this.wake?.();
    });
    this.buf = NONE;
    this.at = 0;
  }

  private async waitForBuffer(): Promise<void> {
    while (!this.free.length && !this.failure) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    if (this.failure) throw this.failure;
    this.buf = this.free.pop()!;
  }
}

/** The connection to COPY on: a transaction's own (so rows can go to its temporary tables), or one borrowed. */
export async function withConnection<T>(
  db: DataSource | EntityManager,
  use: (c: PoolClient) => Promise<T>,
): Promise<T> {
  const runner = db instanceof DataSource ? db.createQueryRunner() : db.queryRunner;
  if (!runner) throw new Error('copyIn: the entity manager has no query runner (not in a transaction)');
  const client = (await runner.connect()) as PoolClient;
  try {
    return await use(client);
  } finally {
    if (db instanceof DataSource) await runner.release();
  }
}

/**
 * Runs `COPY ... FROM STDIN` with `write` filling it through a CopyOut. If `write` throws, the COPY is
 * aborted (CopyFail: nothing stored) and the error rethrown.
 */
export function copyInWith(
  db: DataSource | EntityManager,
  sql: string,
  write: (out: CopyOut) => Promise<void>,
): Promise<void> {
  return withConnection(db, async (client) => {
    const stream = client.query(copyFrom(sql));
    const out = new CopyOut(stream);
    try {
      await write(out);
    } catch (e) {
      stream.destroy(e as Error);
      await finished(stream).catch(() => undefined);
      throw e;
    }
    await out.end();
  });
}

/** Streams rows (COPY text lines, each ending in a newline) into `COPY ... FROM STDIN` through a CopyOut. */
export function copyIn(db: DataSource | EntityManager, sql: string, rows: Iterable<string>): Promise<void> {
  return copyInWith(db, sql, async (out) => {
    for (const r of rows) {
      const wait = out.text(r).flushIfFull();
      if (wait) await wait;
    }
  });
}
