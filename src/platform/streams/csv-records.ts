import { StringDecoder } from 'node:string_decoder';
import { Transform, TransformCallback } from 'node:stream';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A cell a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return)
 * made inert with a leading apostrophe (OWASP "CSV injection"); numbers stay numbers (`-5`, `+1.5`).
 */
export function inertCell(value: string): string {
  if (!value) return value;
  const c = value.charCodeAt(0);
  const risky = c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13; // = + - @ \t \r
  return risky && !NUMBER.test(value) ? `'${value}` : value;
}

/** One CSV cell, quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Streams CSV text (RFC 4180: quoted commas, doubled quotes, quoted line breaks) record by record through
 * `map` and writes the records it returns back as CSV. `index` counts records from 0 (the header).
 * Memory holds one record at a time, however long the input.
 */
export class CsvRecordTransform extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private record: string[] = [];
  private field = '';
  private atFieldStart = true;
  private quoted = false;
  private quoteAtChunkEnd = false;
  private index = 0;

  constructor(private readonly mapRecord: (record: string[], index: number) => string[]) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(this.decoder.write(chunk));
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.consume(this.decoder.end());
      if (this.quoted) throw new Error('CSV ends inside a quoted cell');
      if (!this.atFieldStart || this.record.length) this.endRecord(this.out);
      if (this.out.length) this.push(this.out.join(''));
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private out: string[] = [];

  private consume(s: string): void {
    const n = s.length;
    let i = 0;
    this.out = [];
    while (i < n) {
      if (this.quoteAtChunkEnd) {
        this.quoteAtChunkEnd = false;
        if (s.charCodeAt(i) === 34) {
          this.field += '"';
          this.quoted = true;
          i++;
          continue;
        }
      }
      if (this.quoted) {
        const q = s.indexOf('"', i);
        if (q < 0) {
          this.field += s.slice(i);
          break;
        }
        this.field += s.slice(i, q);
        i = q + 1;
        if (i >= n) {
          this.quoted = false;
          this.quoteAtChunkEnd = true;
          break;
        }
        if (s.charCodeAt(i) === 34) {
          this.field += '"';
          i++;
        } else this.quoted = false;
        continue;
      }
      if (this.atFieldStart && s.charCodeAt(i) === 34) {
        this.quoted = true;
        this.atFieldStart = false;
        i++;
        continue;
      }
      let j = i;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === 44 || d === 10 || d === 13) break;
        j++;
      }
      this.field += s.slice(i, j);
      if (j > i) this.atFieldStart = false;
      if (j >= n) break;
      const d = s.charCodeAt(j);
      i = j + 1;
      if (d === 44) {
        this.record.push(this.field);
        this.field = '';
        this.atFieldStart = true;
      } else if (d === 10) this.endRecord(this.out);
      // a bare \r (of \r\n) is dropped
    }
    if (this.out.length) this.push(this.out.join(''));
    this.out = [];
  }

  private endRecord(out: string[]): void {
    this.record.push(this.field);
    const mapped = this.mapRecord(this.record, this.index++);
    out.push(mapped.map(csvCell).join(',') + '\n');
    this.record = [];
    this.field = '';
    this.atFieldStart = true;
  }
}
