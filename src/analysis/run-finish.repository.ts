import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CopyOut, copyInWith } from '../platform/database/copy-in';
import { copyOutWith } from '../platform/database/copy-out';

/** The subscriber who last had a number that is no longer theirs (`n.msisdn_hmac`). */
const PAST_NUMBER_SQL = `(SELECT h.subscriber_id FROM subscriber_number_history h
  WHERE h.msisdn_hmac = n.msisdn_hmac ORDER BY h.valid_from DESC LIMIT 1)`;

/** Rows written into a COPY by the finish (see RunFinisher), once the lane's turn to copy comes. */
export type CopyTurn = (copy: (rows: (out: CopyOut) => Promise<void>) => Promise<void>) => Promise<void>;

/**
 * The finish's statements: the hot path of a run's end, kept here as the project keeps all SQL, each statement
 * as tuned for a million numbers (see the comments on the lookup).
 */
@Injectable()
export class RunFinishRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Whether the run is running (only a running run is finished: a stray finish must not touch a completed one). */
  async isRunning(runId: string): Promise<boolean> {
    const [row] = await this.db.query(`SELECT status FROM analysis_runs WHERE id = $1`, [runId]);
    return row?.status === 'running';
  }

  /** Removes a run's stored matches: an earlier attempt may have died after storing them (a retry starts clean). */
  async clearResults(runId: string): Promise<void> {
    await this.db.query(`DELETE FROM analysis_matches WHERE run_id = $1`, [runId]);
  }

  /**
   * One lane's lookup: its numbers (pseudonym, ordinal) COPYed into a temp table when `copyTurn` lets it, then
   * the matched ones' (ordinal int4, subscriber uuid) streamed back in subscriber order as COPY binary to
   * `onData`; numbers no subscriber has are left out (only counted). Nothing is stored.
   */
  lookUp(copyTurn: CopyTurn, onData: (chunk: Buffer) => void): Promise<void> {
    return this.db.transaction(async (m) => {
      // JIT compiling the lookup costs about a second and saves nothing on it. One index lookup per number, in
      // pseudonym order: the lookups walk the subscriber index in order (3x fewer page misses than in hash
      // order); the planner would rather hash the whole subscriber table (a seq scan of millions of rows):
      // 2-3x slower here. The sorts (by pseudonym, then by subscriber) are in memory.
      await m.query(`SET LOCAL jit = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;
        SET LOCAL work_mem = '128MB';
        CREATE TEMP TABLE run_numbers (msisdn_hmac text NOT NULL, ord int NOT NULL) ON COMMIT DROP`);
      await copyTurn((rows) => copyInWith(m, 'COPY run_numbers FROM STDIN', rows));
      // pseudonyms are hex: sorted bytewise (COLLATE "C", abbreviated keys) they are in the index's order
      await copyOutWith(
        m,
        `COPY (SELECT n.ord, n.subscriber_id
               FROM (SELECT n.ord, COALESCE(s.id, ${PAST_NUMBER_SQL}) AS subscriber_id
                     FROM (SELECT * FROM run_numbers ORDER BY msisdn_hmac COLLATE "C") n
                     LEFT JOIN subscribers s ON s.msisdn_hmac = n.msisdn_hmac) n
               WHERE n.subscriber_id IS NOT NULL ORDER BY n.subscriber_id)
         TO STDOUT (FORMAT binary)`,
        onData,
      );
    });
  }

  /**
   * Stores matches (`rows` writes them as COPY binary), one COPY: the rows of a run that is not completed yet
   * are read by nobody (every reader checks the run's status), and a failed finish deletes them.
   */
  storeMatches(rows: (out: CopyOut) => Promise<void>): Promise<void> {
    return copyInWith(
      this.db,
      `COPY analysis_matches (run_id, subscriber_id, exposures, first_seen, last_seen, websites)
       FROM STDIN (FORMAT binary)`,
      rows,
    );
  }

  /**
   * Upkeep once a run is complete: the planner's statistics of the matches are refreshed after the run added
   * its rows: until then a customer's lookup by subscriber could take the primary key's full scan (120 ms at
   * 904k rows, 0.15 ms by the subscriber index once analysed). Autovacuum would, but may be slow to come or off.
   */
  async upkeep(): Promise<void> {
    await this.db.query(`ANALYZE analysis_matches`);
  }
}
