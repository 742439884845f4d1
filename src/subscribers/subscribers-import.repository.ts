import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource, EntityManager } from 'typeorm';

/** Why the database refused a checked row (the checks that need the whole file and the stored rows). */
export type DuplicateReason = 'duplicate_number' | 'duplicate_account';

/**
 * The subscriber import's SQL, every step in the caller's transaction `m` (its temporary tables live there):
 * stage the checked rows by COPY, let Postgres find duplicates, then write the history and upsert in bulk.
 */
@Injectable()
export class SubscribersImportRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Streams COPY text rows (line, account_id, msisdn, msisdn_hmac, email, first_name, locale, ported_in_at). */
  async stage(m: EntityManager, rows: Readable): Promise<void> {
    await m.query(`CREATE TEMP TABLE subscriber_import (
        line int NOT NULL, account_id text NOT NULL, msisdn text NOT NULL, msisdn_hmac text NOT NULL,
        email text, first_name text, locale text NOT NULL, ported_in_at timestamptz) ON COMMIT DROP`);
    if (!m.queryRunner) throw new Error('stage: the entity manager is not in a transaction');
    const client = (await m.queryRunner.connect()) as PoolClient;
    await pipeline(
      rows,
      client.query(
        copyFrom(
          'COPY subscriber_import (line, account_id, msisdn, msisdn_hmac, email, first_name, locale, ported_in_at) FROM STDIN',
        ),
      ),
    );
    await m.query(`ANALYZE subscriber_import`);
    await m.query(CLEAN_SQL);
  }

  /** Staged rows the clean-up left out, counted by reason. */
  async rejectCounts(m: EntityManager): Promise<Array<{ reason: DuplicateReason; n: number }>> {
    const rows: Array<{ reason: DuplicateReason; n: string }> = await m.query(
      `SELECT reason, count(*) AS n FROM (${REJECTS_SQL}) r GROUP BY reason`,
    );
    return rows.map((r) => ({ reason: r.reason, n: Number(r.n) }));
  }

  /** The first `limit` of those rows by line number. */
  rejectSamples(m: EntityManager, limit: number): Promise<Array<{ line: number; reason: DuplicateReason }>> {
    return m.query(`${REJECTS_SQL} ORDER BY i.line LIMIT $1`, [limit]);
  }

  /** Writes the history of changed numbers, then upserts; answers the rows inserted and updated. */
  async apply(
    m: EntityManager,
    now: Date,
    hasPortedInAt: boolean,
  ): Promise<{ imported: number; updated: number }> {
    await m.query(HISTORY_SQL, [now]);
    const [counts] = await m.query(UPSERT_SQL, [hasPortedInAt]);
    return { imported: Number(counts.imported), updated: Number(counts.updated) };
  }

  /**
   * After a bulk load the table's pages are not marked all-visible until (auto)vacuum gets there, and an
   * analysis run's subscriber lookups read only the index once they are (migration 1764100800000).
   */
  async vacuum(): Promise<void> {
    await this.db.query(`VACUUM (ANALYZE) subscribers`);
  }
}

/**
 * Set-based checks, in the import's transaction. Within the file the last row of an account wins; a
 * number claimed by two accounts in the file keeps its first row; a number that already belongs to
 * another account is refused.
 */
const CLEAN_SQL = `
  CREATE TEMP TABLE import_clean ON COMMIT DROP AS
  WITH last_per_account AS (
    SELECT DISTINCT ON (account_id) * FROM subscriber_import ORDER BY account_id, line DESC
  ), first_per_number AS (
    SELECT DISTINCT ON (msisdn) * FROM last_per_account ORDER BY msisdn, line
  )
  SELECT f.* FROM first_per_number f
  WHERE NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.msisdn_hmac = f.msisdn_hmac AND s.account_id <> f.account_id)`;

const REJECTS_SQL = `
  SELECT i.line,
         CASE WHEN EXISTS (SELECT 1 FROM subscriber_import j WHERE j.account_id = i.account_id AND j.line > i.line)
              THEN 'duplicate_account' ELSE 'duplicate_number' END AS reason
  FROM subscriber_import i WHERE NOT EXISTS (SELECT 1 FROM import_clean c WHERE c.line = i.line)`;

/** A changed number goes to the history first, so analyses still recognise the old one. */
const HISTORY_SQL = `
  INSERT INTO subscriber_number_history (subscriber_id, msisdn, msisdn_hmac, valid_from, valid_to, reason)
  SELECT s.id, s.msisdn, s.msisdn_hmac, $1::timestamptz, $1::timestamptz, 'import'
  FROM subscribers s JOIN import_clean c ON c.account_id = s.account_id AND c.msisdn <> s.msisdn`;

/**
 * $1: the file has a ported_in_at column. Without one a stored port-in date is kept, unless the number
 * itself changed (the date described the old number).
 */
const UPSERT_SQL = `
  WITH upserted AS (
    INSERT INTO subscribers (account_id, msisdn, msisdn_hmac, email, first_name, locale, ported_in_at)
    SELECT account_id, msisdn, msisdn_hmac, email, first_name, locale, ported_in_at FROM import_clean
    ON CONFLICT (account_id) DO UPDATE SET msisdn = EXCLUDED.msisdn, msisdn_hmac = EXCLUDED.msisdn_hmac,
      email = EXCLUDED.email, first_name = EXCLUDED.first_name, locale = EXCLUDED.locale,
      ported_in_at = CASE WHEN $1::boolean THEN EXCLUDED.ported_in_at
                          WHEN subscribers.msisdn <> EXCLUDED.msisdn THEN NULL
                          ELSE subscribers.ported_in_at END,
      updated_at = now()
    WHERE (subscribers.msisdn, subscribers.email, subscribers.first_name, subscribers.locale)
      IS DISTINCT FROM (EXCLUDED.msisdn, EXCLUDED.email, EXCLUDED.first_name, EXCLUDED.locale)
      OR ($1::boolean AND subscribers.ported_in_at IS DISTINCT FROM EXCLUDED.ported_in_at)
    RETURNING (xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted) AS imported, count(*) FILTER (WHERE NOT inserted) AS updated FROM upserted`;
