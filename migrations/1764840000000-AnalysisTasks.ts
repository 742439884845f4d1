import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20: a run spread over worker processes as tasks (a file, a byte range, a file's checksum), each
 * task's partial totals keyed by the task (a retried task replaces its output); and spills go to partitioned
 * files, not to Postgres, so the staging table goes.
 */
export class AnalysisTasks1764840000000 implements MigrationInterface {
  name = 'AnalysisTasks1764840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE analysis_tasks (
        run_id uuid NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
        ord int NOT NULL,
        kind text NOT NULL CHECK (kind IN ('scan', 'checksum')),
        file_ord int NOT NULL,
        path text NOT NULL,
        format text NOT NULL,
        gzip boolean NOT NULL,
        start_byte bigint NOT NULL,
        end_byte bigint NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        worker text,
        bytes_done bigint NOT NULL DEFAULT 0,
        counts jsonb,
        pairs bigint,
        started_at timestamptz,
        finished_at timestamptz,
        PRIMARY KEY (run_id, ord)
      )`);
    await q.query(`DROP TABLE analysis_staging`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE analysis_staging (
        run_id uuid NOT NULL,
        msisdn_hmac text NOT NULL,
        host text NOT NULL,
        exposures bigint NOT NULL,
        first_ms bigint NOT NULL,
        last_ms bigint NOT NULL
      )`);
    await q.query(`DROP TABLE analysis_tasks`);
  }
}
