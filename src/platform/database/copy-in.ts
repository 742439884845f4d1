import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Streams rows (COPY text lines, each ending in a newline) into `COPY ... FROM STDIN`, batched into 64 KiB
 * writes; Buffers (whole rows already encoded, batched by their maker) pass through as they are. Inside a
 * transaction (an EntityManager from `dataSource.transaction`) it uses that transaction's connection, so
 * the rows can go to its temporary tables; given the DataSource it borrows a connection.
 */
export async function copyIn(
  db: DataSource | EntityManager,
  sql: string,
  rows: Iterable<string> | Iterable<Buffer>,
): Promise<void> {
  const batched = function* () {
    let batch = '';
    for (const r of rows) {
      if (typeof r !== 'string') {
        if (batch) yield batch;
        batch = '';
        yield r;
        continue;
      }
      batch += r;
      if (batch.length >= 1 << 16) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  };
  const runner = db instanceof DataSource ? db.createQueryRunner() : db.queryRunner;
  if (!runner) throw new Error('copyIn: the entity manager has no query runner (not in a transaction)');
  const client = (await runner.connect()) as PoolClient;
  try {
    await pipeline(Readable.from(batched()), client.query(copyFrom(sql)));
  } finally {
    if (db instanceof DataSource) await runner.release();
  }
}
