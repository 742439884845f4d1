import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run writes a million result rows at once; row-by-row foreign key checks made that 30 s of a 40 s
 * finish (each check is a query, and the subscriber ones lock and dirty every matched subscriber row).
 * The rows are only ever written by one INSERT ... SELECT that joins them to their run and subscribers,
 * so they are valid by construction; what the keys still did is kept by statement-level triggers:
 * deleting a run deletes its results, and a subscriber an analysis matched cannot be deleted.
 */
export class AnalysisBulkLoad1764100500000 implements MigrationInterface {
  name = 'AnalysisBulkLoad1764100500000';

  async up(q: QueryRunner): Promise<void> {
    for (const t of ['analysis_numbers', 'analysis_matches']) {
      await q.query(`ALTER TABLE ${t} DROP CONSTRAINT ${t}_run_id_fkey`);
      await q.query(`ALTER TABLE ${t} DROP CONSTRAINT ${t}_subscriber_id_fkey`);
    }
    await q.query(`
      CREATE FUNCTION analysis_runs_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM analysis_numbers WHERE run_id IN (SELECT id FROM gone);
        DELETE FROM analysis_matches WHERE run_id IN (SELECT id FROM gone);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER analysis_runs_cascade AFTER DELETE ON analysis_runs
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION analysis_runs_cascade()`);
    // every numbers row with a subscriber has a matches row for that subscriber, so one index suffices
    await q.query(`
      CREATE FUNCTION analysis_subscribers_restrict() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM analysis_matches m JOIN gone g ON g.id = m.subscriber_id) THEN
          RAISE foreign_key_violation USING MESSAGE = 'subscriber is referenced by analysis results';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER analysis_subscribers_restrict AFTER DELETE ON subscribers
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION analysis_subscribers_restrict()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER analysis_subscribers_restrict ON subscribers`);
    await q.query(`DROP FUNCTION analysis_subscribers_restrict()`);
    await q.query(`DROP TRIGGER analysis_runs_cascade ON analysis_runs`);
    await q.query(`DROP FUNCTION analysis_runs_cascade()`);
    for (const t of ['analysis_numbers', 'analysis_matches']) {
      await q.query(
        `ALTER TABLE ${t} ADD FOREIGN KEY (run_id) REFERENCES analysis_runs(id) ON DELETE CASCADE`,
      );
      await q.query(`ALTER TABLE ${t} ADD FOREIGN KEY (subscriber_id) REFERENCES subscribers(id)`);
    }
  }
}
