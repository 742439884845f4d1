import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20: `analysis_matches` partitioned by run, one table a run (`analysis_matches_<run id hex>`). A run's
 * finish loads its table with no index, builds the one index after (a sort, not 904k ordered inserts into two
 * indexes with their WAL: 2.3 s → 0.73 + 0.35 s of Postgres at the bench's worst case) and attaches it when
 * the run completes (ATTACH takes no lock readers wait for; the table's CHECK spares the validation scan).
 * A run's table holds one run, so its unique index on subscriber_id is the old key (run_id, subscriber_id)
 * and also answers "this subscriber in any run"; the parent has no index of its own. Deleting a run drops
 * its table (statement trigger, as before it deleted the rows). Existing rows move into their runs' tables.
 */
const partition = (id: string) => `format('analysis_matches_%s', replace(${id}::text, '-', ''))`;

const cascade = (partitioned: boolean) => `
  CREATE OR REPLACE FUNCTION analysis_runs_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE r record;
  BEGIN
    ${
      partitioned
        ? `FOR r IN SELECT id FROM gone LOOP
             EXECUTE format('DROP TABLE IF EXISTS %I', ${partition('r.id')});
           END LOOP;`
        : 'DELETE FROM analysis_matches WHERE run_id IN (SELECT id FROM gone);'
    }
    RETURN NULL;
  END $$`;

const COLUMNS = `
  run_id uuid NOT NULL,
  subscriber_id uuid NOT NULL,
  exposures bigint NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  websites text[] NOT NULL DEFAULT '{}'`;

export class MatchesByRun1764950000000 implements MigrationInterface {
  name = 'MatchesByRun1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE analysis_matches RENAME TO analysis_matches_whole`);
    await q.query(`CREATE TABLE analysis_matches (${COLUMNS}) PARTITION BY LIST (run_id)`);
    await q.query(`
      DO $$
      DECLARE r record; t text;
      BEGIN
        FOR r IN SELECT DISTINCT run_id FROM analysis_matches_whole LOOP
          t := ${partition('r.run_id')};
          EXECUTE format('CREATE TABLE %I (LIKE analysis_matches INCLUDING DEFAULTS, CHECK (run_id = %L))', t, r.run_id);
          EXECUTE format('INSERT INTO %I SELECT * FROM analysis_matches_whole WHERE run_id = %L', t, r.run_id);
          EXECUTE format('CREATE UNIQUE INDEX ON %I (subscriber_id)', t);
          EXECUTE format('ALTER TABLE analysis_matches ATTACH PARTITION %I FOR VALUES IN (%L)', t, r.run_id);
        END LOOP;
      END $$`);
    await q.query(`DROP TABLE analysis_matches_whole`);
    await q.query(cascade(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE analysis_matches_whole (${COLUMNS}, PRIMARY KEY (run_id, subscriber_id))`);
    await q.query(`INSERT INTO analysis_matches_whole SELECT * FROM analysis_matches`);
    await q.query(`DROP TABLE analysis_matches`); // and its partitions
    await q.query(`ALTER TABLE analysis_matches_whole RENAME TO analysis_matches`);
    await q.query(`ALTER INDEX analysis_matches_whole_pkey RENAME TO analysis_matches_pkey`);
    await q.query(`CREATE INDEX analysis_matches_subscriber_idx ON analysis_matches (subscriber_id)`);
    await q.query(cascade(false));
  }
}
