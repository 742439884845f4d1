import { escapeLiteral, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';

/**
 * Streams the rows of `sql` as CSV (with a header) into `out` through COPY ... TO STDOUT, so an export's
 * memory stays flat however many rows it has. COPY takes no bind parameters: `$n` placeholders are replaced
 * by quoted literals of `params` (strings, numbers, dates).
 */
export async function copyCsvOut(
  db: DataSource,
  sql: string,
  params: Array<string | number | Date>,
  out: Writable,
): Promise<void> {
  const inlined = sql.replace(/\$(\d+)/g, (_m, n) => {
    const v = params[Number(n) - 1];
    if (v === undefined) throw new Error(`copyCsvOut: no value for $${n}`);
    return escapeLiteral(v instanceof Date ? v.toISOString() : String(v));
  });
  const runner = db.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    await pipeline(client.query(copyTo(`COPY (${inlined}) TO STDOUT WITH (FORMAT csv, HEADER)`)), out);
  } finally {
    await runner.release();
  }
}
