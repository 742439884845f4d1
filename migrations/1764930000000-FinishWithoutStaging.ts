import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20: the finish sums a run's matches per subscriber in its own process and COPYs them straight into
 * `analysis_matches` (Postgres only looks up each number's subscriber), so the rows no longer pass through
 * `analysis_match_staging` (904k rows written, read, deleted and vacuumed again per run at the bench's worst
 * case), nor its aggregate `analysis_hosts_cat`. Deleting a run deletes its matches, as before.
 */
const cascade = (staging: boolean) => `
  CREATE OR REPLACE FUNCTION analysis_runs_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${staging ? 'DELETE FROM analysis_match_staging WHERE run_id IN (SELECT id FROM gone);' : ''}
    DELETE FROM analysis_matches WHERE run_id IN (SELECT id FROM gone);
    RETURN NULL;
  END $$`;

export class FinishWithoutStaging1764930000000 implements MigrationInterface {
  name = 'FinishWithoutStaging1764930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(cascade(false));
    await q.query(`DROP TABLE analysis_match_staging`);
    await q.query(`DROP AGGREGATE analysis_hosts_cat(text[])`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE analysis_match_staging (
        run_id uuid NOT NULL,
        subscriber_id uuid NOT NULL,
        exposures bigint NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        hosts text[] NOT NULL
      )`);
    await q.query(
      `CREATE AGGREGATE analysis_hosts_cat(text[]) (SFUNC = array_cat, STYPE = text[], INITCOND = '{}')`,
    );
    await q.query(cascade(true));
  }
}
