import type { Readable } from 'node:stream';
import { toE164 } from '../platform/privacy';
import { parseCsvLine } from '../platform/streams/csv-line';
import { csvRows } from '../platform/streams/csv-rows';

/**
 * The number-pool CSV: a header naming a `msisdn` column (other columns are ignored), then one number
 * per row in any common written form. Pure parsing; the service streams rows through it in batches.
 */
export type PoolRow = { line: number; e164: string } | { line: number; error: string };

const MAX_LINE = 1000;

/** Index of the msisdn column in a header line, or an error for the whole file. */
export function headerColumns(header: string): { index: number; width: number } | { error: string } {
  const cells = parseCsvLine(header.replace(/^\uFEFF/, ''));
  const index = cells?.findIndex((c) => c.trim().toLowerCase() === 'msisdn') ?? -1;
  if (!cells || index < 0) return { error: 'the first line must be a header with an "msisdn" column' };
  return { index, width: cells.length };
}

export function parsePoolRow(
  raw: string,
  line: number,
  cols: { index: number; width: number },
  country: string,
): PoolRow {
  if (raw.length > MAX_LINE) return { line, error: `row longer than ${MAX_LINE} characters` };
  const cells = parseCsvLine(raw);
  if (!cells) return { line, error: 'malformed row (unbalanced quotes)' };
  if (cells.length !== cols.width)
    return { line, error: `expected ${cols.width} field(s), found ${cells.length}` };
  const value = cells[cols.index].trim();
  if (!value) return { line, error: 'empty msisdn' };
  // libphonenumber is the cost here: parse once for the common (good) row, again only to explain a bad one
  const mobile = toE164(value, country, true);
  if (mobile) return { line, e164: mobile };
  return { line, error: toE164(value, country) ? 'not a mobile number' : 'not a valid phone number' };
}

/** Streams a CSV into parsed rows; memory stays flat however long the file is. */
export async function* readPoolCsv(input: Readable, country: string): AsyncGenerator<PoolRow> {
  let cols: { index: number; width: number } | null = null;
  for await (const { line, raw } of csvRows(input, { maxLineBytes: 4 * MAX_LINE })) {
    if (!cols) {
      const h = headerColumns(raw);
      if ('error' in h) {
        yield { line, error: h.error };
        return; // the rest is not read (the server discards it once the answer is sent)
      }
      cols = h;
      continue;
    }
    yield raw
      ? parsePoolRow(raw, line, cols, country)
      : { line, error: `row longer than ${MAX_LINE} characters` };
  }
}

/** How many trailing digits two numbers share ("similar to my old number"). */
export function sharedSuffixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}
