import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Older runs' tables of matches are folded into shared ones (MatchesFolding), so deleting a run drops its own
 * table when it still has one and otherwise deletes its rows from the fold that holds them, by its id (a
 * parameter: pruned to that fold, through its (run_id, subscriber_id) index; `run_id IN (SELECT ... gone)`
 * would read every table of analysis_matches).
 */
const cascade = (folded: boolean) => `
  CREATE OR REPLACE FUNCTION analysis_runs_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE r record; t text;
  BEGIN
    FOR r IN SELECT id FROM gone LOOP
      t := format('analysis_matches_%s', replace(r.id::text, '-', ''));
      IF to_regclass(t) IS NOT NULL THEN
        EXECUTE format('DROP TABLE %I', t);
      ${folded ? 'ELSE DELETE FROM analysis_matches WHERE run_id = r.id;' : ''}
      END IF;
    END LOOP;
    RETURN NULL;
  END $$`;

export class FoldedMatches1764960000000 implements MigrationInterface {
  name = 'FoldedMatches1764960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(cascade(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(cascade(false));
  }
}
