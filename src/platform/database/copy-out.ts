import { escapeLiteral, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PassThrough, Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { DataSource, EntityManager } from 'typeorm';
import { withConnection } from './copy-in';
import { CsvRecordTransform, inertCell } from '../streams/csv-records';

/**
 * Tells pg that a COPY TO query ended. pg-copy-streams' COPY TO never calls the query's callback, which is
 * where pg clears its read timeout (DATABASE_QUERY_TIMEOUT_MS): without this the timer outlives the COPY,
 * keeping a CLI process alive for its 130 s, then fails a query long done.
 */
function ended(stream: Readable): void {
  (stream as Readable & { callback?: () => void }).callback?.();
}

/** Rewrites of named columns (masking), given the cell and the whole row by column name. */
export type CsvColumns = Record<string, (value: string, row: Record<string, string>) => string>;

/**
 * Streams the rows of `sql` as CSV (with a header) into `out` through COPY ... TO STDOUT, so an export's
 * memory stays flat however many rows it has. Every cell goes through `columns` (the shared maskers, by
 * column name) and is made inert for spreadsheets (`inertCell`: formulas escaped, numbers kept). COPY takes
 * no bind parameters: `$n` placeholders are replaced by quoted literals of `params` (strings, numbers, dates).
 */
export async function copyCsvOut(
  db: DataSource,
  sql: string,
  params: Array<string | number | Date>,
  out: Writable,
  columns: CsvColumns = {},
): Promise<void> {
  const inlined = sql.replace(/\$(\d+)/g, (_m, n) => {
    const v = params[Number(n) - 1];
    if (v === undefined) throw new Error(`copyCsvOut: no value for $${n}`);
    return escapeLiteral(v instanceof Date ? v.toISOString() : String(v));
  });
  let header: string[] = [];
  const rewrites = Object.keys(columns).length > 0;
  const cells = new CsvRecordTransform((record, index) => {
    if (index === 0) return (header = record);
    if (rewrites) {
      const row = Object.fromEntries(header.map((h, i) => [h, record[i]]));
      for (const [name, rewrite] of Object.entries(columns)) {
        const i = header.indexOf(name);
        if (i >= 0) record[i] = rewrite(record[i], row);
      }
    }
    return record.map(inertCell);
  });
  const runner = db.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    const stream = client.query(copyTo(`COPY (${inlined}) TO STDOUT WITH (FORMAT csv, HEADER)`));
    await pipeline(stream, cells, out);
    ended(stream);
  } finally {
    await runner.release();
  }
}

/** The same export as a stream to hand to the HTTP layer (a StreamableFile); an error ends it with that error. */
export function csvExport(
  db: DataSource,
  sql: string,
  params: Array<string | number | Date>,
  columns: CsvColumns = {},
): Readable {
  const out = new PassThrough();
  copyCsvOut(db, sql, params, out, columns).catch((e) => out.destroy(e));
  return out;
}

/**
 * Runs `COPY (...) TO STDOUT` on `db`'s connection (a transaction's own, for its temporary tables) and hands
 * its data to `onData` chunk by chunk as it arrives (COPY data need not break at rows): the caller parses the
 * bytes, so a million rows make no row objects.
 */
export function copyOutWith(
  db: DataSource | EntityManager,
  sql: string,
  onData: (chunk: Buffer) => void,
): Promise<void> {
  return withConnection(db, async (client) => {
    const stream = client.query(copyTo(sql));
    // a chunk the caller refuses ends the reading, not the COPY: the rest is drained so the connection stays usable
    let failure: unknown = null;
    stream.on('data', (chunk: Buffer) => {
      if (failure === null)
        try {
          onData(chunk);
        } catch (e) {
          failure = e;
        }
    });
    await finished(stream);
    ended(stream);
    if (failure !== null) throw failure;
  });
}
