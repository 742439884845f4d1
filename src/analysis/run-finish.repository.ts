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
 * A number's top hosts as a set sorted as `array_agg(DISTINCT h)` sorts it (the websites' order), so that a
 * subscriber seen with one number (nearly all of them) needs no merge at the end. One host needs no sort.
 */
const SORTED_HOSTS_SQL = `CASE WHEN cardinality(n.top_hosts) < 2 THEN n.top_hosts
  ELSE ARRAY(SELECT DISTINCT h FROM unnest(n.top_hosts) h ORDER BY h) END`;

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

  /**
   * Removes a run's stored results and staged rows: an earlier attempt may have died between the steps (its
   * process killed mid-finish leaves its lanes' staged rows; a retry must not sum them again).
   */
  async clearResults(runId: string): Promise<void> {
    await this.db.query(`DELETE FROM analysis_matches WHERE run_id = $1`, [runId]);
    await this.db.query(`DELETE FROM analysis_match_staging WHERE run_id = $1`, [runId]);
  }

  /**
   * One lane: its rows COPYed into a temp table when `copyTurn` lets it, then joined to subscribers, the matched
   * ones staged per number for `insertMatches` (unmatched numbers are only counted), in a transaction of its
   * own. Returns what it stored.
   */
  storeNumbers(runId: string, spilled: boolean, copyTurn: CopyTurn): Promise<LaneTotals> {
    return this.db.transaction(async (m) => {
      // JIT compiling these statements costs about a second each and saves nothing on them
      await m.query(`SET LOCAL jit = off`);
      await m.query(`CREATE TEMP TABLE run_numbers (msisdn_hmac text NOT NULL, exposures bigint NOT NULL,
        first_ms bigint NOT NULL, last_ms bigint NOT NULL, top_hosts text[] NOT NULL) ON COMMIT DROP`);
      await copyTurn((rows) => copyInWith(m, 'COPY run_numbers FROM STDIN', rows));
      // One index lookup per number, in pseudonym order: the lookups walk the subscriber index in order (3x
      // fewer page misses than in hash order). The planner would rather hash the whole subscriber table (a seq
      // scan of millions of rows): 2-3x slower here.
      await m.query(`SET LOCAL enable_hashjoin = off`);
      await m.query(`SET LOCAL enable_mergejoin = off`);
      await m.query(`SET LOCAL work_mem = '128MB'`); // the sort of a spilled run's rows, in memory
      // held numbers arrive in pseudonym order; spilled ones in partition order, sorted here
      const source = spilled ? `(SELECT * FROM run_numbers ORDER BY msisdn_hmac)` : `run_numbers`;
      const [totals] = await m.query(
        `WITH staged AS (
           INSERT INTO analysis_match_staging (run_id, subscriber_id, exposures, first_seen, last_seen, hosts)
           SELECT $1::uuid, n.subscriber_id, n.exposures, to_timestamp(n.first_ms / 1000.0),
                  to_timestamp(n.last_ms / 1000.0), ${SORTED_HOSTS_SQL}
           FROM (SELECT n.*, COALESCE(s.id, ${PAST_NUMBER_SQL}) AS subscriber_id
                 FROM ${source} n LEFT JOIN subscribers s ON s.msisdn_hmac = n.msisdn_hmac) n
           WHERE n.subscriber_id IS NOT NULL
           RETURNING 1)
         SELECT count(*) AS distinct, count(*) - (SELECT count(*) FROM staged) AS unmatched,
                to_timestamp(min(first_ms) / 1000.0) AS first, to_timestamp(max(last_ms) / 1000.0) AS last
         FROM run_numbers`,
        [runId],
      );
      return totals as LaneTotals;
    });
  }

  /**
   * The matches per subscriber, summed from the run's staged numbers (a subscriber's numbers may have been
   * staged by different lanes), in `m`'s transaction, which also removes the staged rows; answers how many. A
   * subscriber's websites are the distinct hosts of their numbers' top hosts, sorted: a subscriber with one
   * number has them from the lane already sorted.
   */
  async insertMatches(m: EntityManager, runId: string): Promise<number> {
    await m.query(`SET LOCAL jit = off`);
    // Sorted by subscriber, then summed in that order: the insert wants that order anyway (both indexes of the
    // matches grow at their right edge), and the staging table's statistics are never current, so a hash
    // aggregate sized for a few rows spilled to disk before a second sort (904k subscribers: ~200 MB in memory)
    await m.query(`SET LOCAL enable_hashagg = off`);
    await m.query(`SET LOCAL work_mem = '384MB'`);
    const [{ matched }] = await m.query(
      `WITH matched AS (
         INSERT INTO analysis_matches (run_id, subscriber_id, exposures, first_seen, last_seen, websites)
         SELECT $1, subscriber_id, sum(exposures), min(first_seen), max(last_seen),
                CASE WHEN count(*) = 1 THEN analysis_hosts_cat(hosts)
                     ELSE ARRAY(SELECT DISTINCT h FROM unnest(analysis_hosts_cat(hosts)) h ORDER BY h) END
         FROM analysis_match_staging WHERE run_id = $1 GROUP BY subscriber_id ORDER BY subscriber_id
         RETURNING 1)
       SELECT count(*) AS matched FROM matched`,
      [runId],
    );
    // a DELETE ... RETURNING feeding the sums instead was slower: its rows were materialised (and spilled)
    await m.query(`DELETE FROM analysis_match_staging WHERE run_id = $1`, [runId]);
    return Number(matched);
  }

  /**
   * Upkeep once a run is complete. The staged rows the finish deleted are vacuumed away, so the next finish's
   * scans and inserts do not wade through them and the file shrinks back (904k dead rows, 117 MB: 0.3 s); and
   * the planner's statistics of the matches are refreshed after the run added its rows: until then a customer's
   * lookup by subscriber could take the primary key's full scan (120 ms at 904k rows, 0.15 ms by the
   * subscriber index once analysed). Autovacuum would do both, but may be slow to come or off.
   */
  async upkeep(): Promise<void> {
    await this.db.query(`VACUUM analysis_match_staging`);
    await this.db.query(`ANALYZE analysis_matches`);
  }
}
