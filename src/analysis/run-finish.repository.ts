import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CopyOut, copyInWith } from '../platform/database/copy-in';

/** The subscriber who last had a number that is no longer theirs (`n.msisdn_hmac`). */
const PAST_NUMBER_SQL = `(SELECT h.subscriber_id FROM subscriber_number_history h
  WHERE h.msisdn_hmac = n.msisdn_hmac ORDER BY h.valid_from DESC LIMIT 1)`;

/** What one lane stored: its numbers, those with no subscriber, its first and last seen (null when empty). */
export interface LaneTotals {
  distinct: string;
  unmatched: string;
  first: Date | null;
  last: Date | null;
}

/** Rows written into a COPY by the finish (see RunFinisher), once the lane's turn to copy comes. */
export type CopyTurn = (copy: (rows: (out: CopyOut) => Promise<void>) => Promise<void>) => Promise<void>;

/**
 * The finish's statements: the hot path of a run's end, kept here as the project keeps all SQL, each statement
 * as tuned for a million numbers (see the comments on the join).
 */
@Injectable()
export class RunFinishRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Whether the run is running (only a running run is finished: a stray finish must not touch a completed one). */
  async isRunning(runId: string): Promise<boolean> {
    const [row] = await this.db.query(`SELECT status FROM analysis_runs WHERE id = $1`, [runId]);
    return row?.status === 'running';
  }

  /** Removes a run's stored results (an earlier attempt may have died between the two steps). */
  async clearResults(runId: string): Promise<void> {
    await this.db.query(`DELETE FROM analysis_matches WHERE run_id = $1`, [runId]);
    await this.db.query(`DELETE FROM analysis_numbers WHERE run_id = $1`, [runId]);
  }

  /**
   * One lane: its rows COPYed into a temp table when `copyTurn` lets it, then joined to subscribers and stored,
   * in a transaction of its own. Returns what it stored, counted from the inserted rows.
   */
  storeNumbers(runId: string, spilled: boolean, copyTurn: CopyTurn): Promise<LaneTotals> {
    return this.db.transaction(async (m) => {
      // JIT compiling these statements costs about a second each and saves nothing on them
      await m.query(`SET LOCAL jit = off`);
      await m.query(`CREATE TEMP TABLE run_numbers (msisdn_hmac text NOT NULL, exposures bigint NOT NULL,
        first_ms bigint NOT NULL, last_ms bigint NOT NULL, distinct_hosts int NOT NULL, top_hosts text[] NOT NULL)
        ON COMMIT DROP`);
      await copyTurn((rows) => copyInWith(m, 'COPY run_numbers FROM STDIN', rows));
      // One index lookup per number, in pseudonym order: the lookups walk the subscriber index in order (3x
      // fewer page misses than in hash order) and the primary key grows at its right edge. The planner would
      // rather hash the whole subscriber table (a seq scan of millions of rows): 2-3x slower here.
      await m.query(`SET LOCAL enable_hashjoin = off`);
      await m.query(`SET LOCAL enable_mergejoin = off`);
      await m.query(`SET LOCAL work_mem = '128MB'`); // the sort of a spilled run's rows, in memory
      // held numbers arrive in pseudonym order; spilled ones in partition order, sorted here
      const source = spilled ? `(SELECT * FROM run_numbers ORDER BY msisdn_hmac)` : `run_numbers`;
      const [totals] = await m.query(
        `WITH n AS (
           INSERT INTO analysis_numbers (run_id, msisdn_hmac, exposures, first_seen, last_seen, distinct_hosts, top_hosts, subscriber_id)
           SELECT $1::uuid, n.msisdn_hmac, n.exposures, to_timestamp(n.first_ms / 1000.0), to_timestamp(n.last_ms / 1000.0),
                  n.distinct_hosts, n.top_hosts, COALESCE(s.id, ${PAST_NUMBER_SQL})
           FROM ${source} n LEFT JOIN subscribers s ON s.msisdn_hmac = n.msisdn_hmac
           RETURNING subscriber_id, first_seen, last_seen)
         SELECT count(*) AS distinct, count(*) FILTER (WHERE subscriber_id IS NULL) AS unmatched,
                min(first_seen) AS first, max(last_seen) AS last
         FROM n`,
        [runId],
      );
      return totals as LaneTotals;
    });
  }

  /** The matches per subscriber, summed from the run's stored numbers, in `m`'s transaction; answers how many. */
  async insertMatches(m: EntityManager, runId: string): Promise<number> {
    await m.query(`SET LOCAL jit = off`);
    await m.query(`SET LOCAL work_mem = '128MB'`); // the per-subscriber sums, in memory
    const [{ matched }] = await m.query(
      `WITH matched AS (
         INSERT INTO analysis_matches (run_id, subscriber_id, exposures, first_seen, last_seen)
         SELECT $1, subscriber_id, sum(exposures), min(first_seen), max(last_seen)
         FROM analysis_numbers WHERE run_id = $1 AND subscriber_id IS NOT NULL
         GROUP BY subscriber_id ORDER BY subscriber_id
         RETURNING 1)
       SELECT count(*) AS matched FROM matched`,
      [runId],
    );
    return Number(matched);
  }
}
