import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20: a run stores per matched subscriber only. `analysis_numbers` held a row per number (955k for the
 * bench's worst case: 8.75 s and 464 MB of WAL at the finish) for one reader, a matched subscriber's websites,
 * which filtered every number of the run on each customer page view (413 ms at that scale: no index on the
 * subscriber). The websites are now computed once at the finish into `analysis_matches.websites`, so the table
 * goes; unmatched numbers are only counted (the run's distinct and unmatched totals).
 *
 * The finish's lanes stage their matched numbers in `analysis_match_staging` (a subscriber's numbers may fall
 * in different lanes, so they are summed only once every lane has stored): UNLOGGED and without an index, as it
 * is written once, read once in one scan and emptied by the same finish; a crashed finish's rows are cleared
 * by the run's next attempt (keyed by run) or by deleting the run.
 */
/** Deleting a run deletes its matches and its rows in `table` (AnalysisBulkLoad's statement trigger). */
const cascadeTo = (table: string) => `
  CREATE OR REPLACE FUNCTION analysis_runs_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM ${table} WHERE run_id IN (SELECT id FROM gone);
    DELETE FROM analysis_matches WHERE run_id IN (SELECT id FROM gone);
    RETURN NULL;
  END $$`;

export class MatchWebsites1764920000000 implements MigrationInterface {
  name = 'MatchWebsites1764920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE analysis_matches ADD COLUMN websites text[] NOT NULL DEFAULT '{}'`);
    // the runs already stored keep the websites their customer pages showed
    await q.query(`
      UPDATE analysis_matches m SET websites = w.websites
      FROM (SELECT n.run_id, n.subscriber_id, array_agg(DISTINCT h) AS websites
            FROM analysis_numbers n, unnest(n.top_hosts) h
            WHERE n.subscriber_id IS NOT NULL GROUP BY n.run_id, n.subscriber_id) w
      WHERE m.run_id = w.run_id AND m.subscriber_id = w.subscriber_id`);
    await q.query(`
      CREATE UNLOGGED TABLE analysis_match_staging (
        run_id uuid NOT NULL,
        subscriber_id uuid NOT NULL,
        exposures bigint NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        hosts text[] NOT NULL
      )`);
    // a subscriber's staged host arrays end to end, for the finish's websites: built in, unlike array_agg of
    // arrays it takes arrays of different lengths; most subscribers have one number, one array, no merge
    await q.query(
      `CREATE AGGREGATE analysis_hosts_cat(text[]) (SFUNC = array_cat, STYPE = text[], INITCOND = '{}')`,
    );
    await q.query(cascadeTo('analysis_match_staging'));
    await q.query(`DROP TABLE analysis_numbers`);
  }

  async down(q: QueryRunner): Promise<void> {
    // the per-number rows are not recoverable: the table comes back empty, as the earlier migrations left it
    await q.query(`
      CREATE TABLE analysis_numbers (
        run_id uuid NOT NULL,
        msisdn_hmac text NOT NULL,
        exposures bigint NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        distinct_hosts int NOT NULL,
        top_hosts text[] NOT NULL,
        subscriber_id uuid,
        PRIMARY KEY (run_id, msisdn_hmac)
      )`);
    await q.query(cascadeTo('analysis_numbers'));
    await q.query(`DROP TABLE analysis_match_staging`);
    await q.query(`DROP AGGREGATE analysis_hosts_cat(text[])`);
    await q.query(`ALTER TABLE analysis_matches DROP COLUMN websites`);
  }
}
