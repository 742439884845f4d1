import { Readable } from 'node:stream';
import { ByteLineSplitter } from './line-splitter';
import { parseCsvLine } from './csv-line';

/** One line of an uploaded CSV: its 1-based number, its text, and its cells (null when malformed or too long). */
export interface CsvRow {
  line: number;
  raw: string;
  cells: string[] | null;
}

/**
 * The one reader of uploaded CSV lists (campaign audiences, offer eligibility, the number pool): streams the
 * bytes through the line splitter, decodes each line as UTF-8 (a byte-order mark on the first is dropped),
 * parses it with the CSV line parser and yields it; blank lines are skipped but counted. A line longer than
 * `maxLineBytes` comes back with `cells: null`. Memory stays flat however long the file is.
 */
export async function* csvRows(
  input: AsyncIterable<Buffer | string>,
  opts: { maxLineBytes?: number } = {},
): AsyncGenerator<CsvRow> {
  let line = 0;
  let pending: CsvRow[] = [];
  const splitter = new ByteLineSplitter(
    (buf, start, end) => {
      line++;
      let raw = buf.toString('utf8', start, end);
      if (line === 1 && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
      if (!raw.trim()) return;
      pending.push({ line, raw, cells: parseCsvLine(raw.trim()) });
    },
    {
      maxLineBytes: opts.maxLineBytes,
      onOverlong: () => {
        line++;
        pending.push({ line, raw: '', cells: null });
      },
    },
  );
  // Stopping early (a bad header) must not destroy the input: it may be the request, whose answer is still due.
  const chunks = input instanceof Readable ? input.iterator({ destroyOnReturn: false }) : input;
  for await (const chunk of chunks) {
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const ready = pending;
    pending = [];
    yield* ready;
  }
  splitter.end();
  yield* pending;
}
