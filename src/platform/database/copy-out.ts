import { escapeLiteral, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import { CsvRecordTransform, inertCell } from '../streams/csv-records';

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
    await pipeline(client.query(copyTo(`COPY (${inlined}) TO STDOUT WITH (FORMAT csv, HEADER)`)), cells, out);
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
