import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CopyOut, copyInWith } from '../platform/database/copy-in';
import { copyOutWith } from '../platform/database/copy-out';

/** The subscriber who last had a number that is no longer theirs (`n.msisdn_hmac`). */
const PAST_NUMBER_SQL = `(SELECT h.subscriber_id FROM subscriber_number_history h
  WHERE h.msisdn_hmac = n.msisdn_hmac ORDER BY h.valid_from DESC LIMIT 1)`;

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

  /**
   * Removes a run's stored matches, its table attached or not: an earlier attempt may have died after storing
   * them (a retry starts clean).
   */
  async clearResults(runId: string): Promise<void> {
    await this.db.query(`DROP TABLE IF EXISTS ${matchesTable(runId)}`);
  }

  /**
   * The run's own table of matches, like `analysis_matches` and not yet part of it: no index while it loads
   * (built once, after), a CHECK that lets ATTACH skip its validation scan, the run's id as its default (the
   * COPY need not send it a million times).
   */
  async createMatches(runId: string): Promise<void> {
    await this.db.query(
      `CREATE TABLE ${matchesTable(runId)} (LIKE analysis_matches INCLUDING DEFAULTS,
         CHECK (run_id = '${runId}'));
       ALTER TABLE ${matchesTable(runId)} ALTER COLUMN run_id SET DEFAULT '${runId}'`,
    );
  }

  /**
   * One lane's lookup: its numbers (pseudonym, ordinal), all in pseudonym range [from, to), COPYed by `rows`
   * into a temp table, then the matched ones' (ordinal int4, subscriber uuid) streamed back in subscriber order
   * as COPY binary to `onData`; numbers no subscriber has are left out (only counted). Nothing is stored.
   */
  lookUp(
    [from, to]: [string, string],
    rows: (out: CopyOut) => Promise<number>,
    onData: (chunk: Buffer) => void,
  ): Promise<void> {
    return this.db.transaction(async (m) => {
      // JIT compiling the lookup costs about a second and saves nothing on it. The planner would rather hash
      // the whole subscriber table (a seq scan of millions of rows): 2-3x slower here. It walks the subscribers'
      // index (index-only) instead, one of two ways: one lookup a number in pseudonym order, or the range's
      // entries merged with the sorted numbers, the faster past ~1/25 of the range (measured on 2.5M entries:
      // 20k numbers 0.15 s by lookups; 100k 0.74 s either way; 477k 1.3 s merged, 1.6-2.3 s by lookups). The
      // planner, left to choose, merges from ~1/50 (50k numbers: 0.7 s, twice the lookups'), so it is told.
      await m.query(`SET LOCAL jit = off; SET LOCAL enable_hashjoin = off; SET LOCAL work_mem = '128MB';
        CREATE TEMP TABLE run_numbers (msisdn_hmac text COLLATE "C" NOT NULL, ord int NOT NULL) ON COMMIT DROP`);
      let numbers = 0;
      await copyInWith(m, 'COPY run_numbers FROM STDIN', async (out) => void (numbers = await rows(out)));
      const [{ entries }] = await m.query(
        `SELECT reltuples AS entries FROM pg_class WHERE oid = 'subscribers'::regclass`,
      );
      // reltuples is -1 until the table is first analysed: no estimate, the planner chooses
      const walk = this.walk(numbers, entries < 0 ? null : (entries * (digit(to) - digit(from))) / 16);
      if (walk)
        await m.query(
          `SET LOCAL enable_mergejoin = ${walk === 'merge'}; SET LOCAL enable_nestloop = ${walk === 'lookups'}`,
        );
      // pseudonyms are hex: sorted bytewise (COLLATE "C", abbreviated keys) they are in the index's order
      await copyOutWith(
        m,
        `COPY (SELECT n.ord, n.subscriber_id
               FROM (SELECT n.ord, COALESCE(s.id, ${PAST_NUMBER_SQL}) AS subscriber_id
                     FROM (SELECT * FROM run_numbers ORDER BY msisdn_hmac) n
                     LEFT JOIN (SELECT id, msisdn_hmac FROM subscribers
                                WHERE msisdn_hmac >= ${literal(from)} AND msisdn_hmac < ${literal(to)}) s
                       ON s.msisdn_hmac = n.msisdn_hmac) n
               WHERE n.subscriber_id IS NOT NULL ORDER BY n.subscriber_id)
         TO STDOUT (FORMAT binary)`,
        onData,
      );
    });
  }

  /**
   * How a lookup of `numbers` numbers walks a range of about `entries` subscribers (null: unknown): merged with
   * the range past 1/25 of it, else one lookup a number (measurements on lookUp).
   */
  walk(numbers: number, entries: number | null): 'merge' | 'lookups' | null {
    if (entries === null) return null;
    return numbers * 25 > entries ? 'merge' : 'lookups';
  }

  /**
   * Stores matches into the run's table (`rows` writes them as COPY binary), one COPY: the table is no part of
   * `analysis_matches` until the run completes, and a failed finish drops it.
   */
  storeMatches(runId: string, rows: (out: CopyOut) => Promise<void>): Promise<void> {
    return copyInWith(
      this.db,
      `COPY ${matchesTable(runId)} (subscriber_id, exposures, first_seen, last_seen, websites)
       FROM STDIN (FORMAT binary)`,
      rows,
    );
  }

  /**
   * The run's one index, built once its rows are in (a sort: a third of the time the same rows took to go into
   * two indexes one by one). Unique: a run has one row a subscriber.
   */
  async indexMatches(runId: string): Promise<void> {
    await this.db.query(`CREATE UNIQUE INDEX ON ${matchesTable(runId)} (subscriber_id)`);
  }

  /** Makes the run's table part of `analysis_matches`, in the transaction that completes the run. */
  async attachMatches(m: EntityManager, runId: string): Promise<void> {
    await m.query(
      `ALTER TABLE analysis_matches ATTACH PARTITION ${matchesTable(runId)} FOR VALUES IN ('${runId}')`,
    );
  }
}

/** A lane's bound (one hex digit, or 'g') as an SQL literal: COPY takes no parameters. */
function literal(bound: string): string {
  if (!/^[0-9a-g]$/.test(bound)) throw new Error(`not a pseudonym bound: ${JSON.stringify(bound)}`);
  return `'${bound}'`;
}

/** A bound's place among the hex digits ('g' = 16, past them all). */
const digit = (bound: string) => parseInt(bound, 17);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A run's table of matches, as migration 1764950000000 names it (a run id is a uuid: safe in SQL text). */
export function matchesTable(runId: string): string {
  if (!UUID.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
  return `analysis_matches_${runId.replace(/-/g, '')}`;
}
