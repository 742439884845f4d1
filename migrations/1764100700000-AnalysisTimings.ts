import { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a run's time went (checksums, scan, finish, and whether the merge spilled to Postgres), for operators sizing the next one. */
export class AnalysisTimings1764100700000 implements MigrationInterface {
  name = 'AnalysisTimings1764100700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE analysis_runs ADD COLUMN timings jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE analysis_runs DROP COLUMN timings`);
  }
}
