import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Older runs' tables of matches are folded into shared ones (MatchesFolding), so deleting a run drops its own
 * table when it still has one and otherwise deletes its rows from the fold that holds them.
 */
const cascade = (folded: boolean) => `
  CREATE OR REPLACE FUNCTION analysis_runs_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE r record;
  BEGIN
    FOR r IN SELECT id FROM gone LOOP
      EXECUTE format('DROP TABLE IF EXISTS %I', format('analysis_matches_%s', replace(r.id::text, '-', '')));
    END LOOP;
    ${folded ? 'DELETE FROM analysis_matches WHERE run_id IN (SELECT id FROM gone);' : ''}
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
