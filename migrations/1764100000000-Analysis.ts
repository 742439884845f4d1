import { MigrationInterface, QueryRunner } from 'typeorm';

export class Analysis1764100000000 implements MigrationInterface {
  name = 'Analysis1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE analysis_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'completed', 'failed', 'duplicate')),
        run_key text,
        duplicate_of uuid REFERENCES analysis_runs(id),
        incident_id text,
        window_from timestamptz NOT NULL,
        window_to timestamptz NOT NULL CHECK (window_to > window_from),
        partners text[] NOT NULL DEFAULT '{}',
        options jsonb NOT NULL DEFAULT '{}',
        bytes_total bigint NOT NULL DEFAULT 0,
        bytes_done bigint NOT NULL DEFAULT 0,
        lines_read bigint NOT NULL DEFAULT 0,
        lines_malformed bigint NOT NULL DEFAULT 0,
        exposures bigint NOT NULL DEFAULT 0,
        partner_exposures bigint NOT NULL DEFAULT 0,
        invalid_values bigint NOT NULL DEFAULT 0,
        distinct_msisdns bigint NOT NULL DEFAULT 0,
        matched_subscribers bigint NOT NULL DEFAULT 0,
        unmatched_msisdns bigint NOT NULL DEFAULT 0,
        first_seen timestamptz,
        last_seen timestamptz,
        excluded jsonb NOT NULL DEFAULT '{}',
        hours jsonb NOT NULL DEFAULT '{}',
        top_hosts jsonb NOT NULL DEFAULT '[]',
        partner_hosts jsonb NOT NULL DEFAULT '{}',
        malformed_samples jsonb NOT NULL DEFAULT '[]',
        error text,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    // The manifest's digest: one live run per set of inputs and parameters (reruns are idempotent).
    await q.query(`
      CREATE UNIQUE INDEX analysis_runs_key_live ON analysis_runs (run_key)
      WHERE run_key IS NOT NULL AND status IN ('queued', 'running', 'completed')`);
    await q.query(`CREATE INDEX analysis_runs_created_idx ON analysis_runs (created_at DESC)`);
    await q.query(`
      CREATE TABLE analysis_files (
        run_id uuid NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
        ord int NOT NULL,
        path text NOT NULL,
        size bigint NOT NULL,
        sha256 text,
        format text NOT NULL,
        gzip boolean NOT NULL,
        PRIMARY KEY (run_id, ord)
      )`);
    // Partial totals from the scanners, summed at the end of a run and then deleted. UNLOGGED: it is
    // rebuilt by rerunning the run, so it need not pay for the write-ahead log.
    await q.query(`
      CREATE UNLOGGED TABLE analysis_staging (
        run_id uuid NOT NULL,
        msisdn_hmac text NOT NULL,
        host text NOT NULL,
        exposures bigint NOT NULL,
        first_ms bigint NOT NULL,
        last_ms bigint NOT NULL
      )`);
    // Per exposed number, pseudonymised: the raw number is never stored by analysis.
    await q.query(`
      CREATE TABLE analysis_numbers (
        run_id uuid NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
        msisdn_hmac text NOT NULL,
        exposures bigint NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        distinct_hosts int NOT NULL,
        top_hosts text[] NOT NULL,
        subscriber_id uuid REFERENCES subscribers(id),
        PRIMARY KEY (run_id, msisdn_hmac)
      )`);
    await q.query(`
      CREATE TABLE analysis_matches (
        run_id uuid NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        exposures bigint NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (run_id, subscriber_id)
      )`);
    await q.query(`CREATE INDEX analysis_matches_subscriber_idx ON analysis_matches (subscriber_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE analysis_matches`);
    await q.query(`DROP TABLE analysis_numbers`);
    await q.query(`DROP TABLE analysis_staging`);
    await q.query(`DROP TABLE analysis_files`);
    await q.query(`DROP TABLE analysis_runs`);
  }
}
