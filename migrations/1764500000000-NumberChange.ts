import { MigrationInterface, QueryRunner } from 'typeorm';

export class NumberChange1764500000000 implements MigrationInterface {
  name = 'NumberChange1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE number_change_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        state text NOT NULL DEFAULT 'requested' CHECK (state IN
          ('requested', 'verified', 'number_reserved', 'approved', 'scheduled', 'completed', 'rejected', 'cancelled', 'expired')),
        reason text NOT NULL,
        old_msisdn text NOT NULL,
        new_msisdn text,
        email_code_hash text,
        email_code_attempts int NOT NULL DEFAULT 0,
        email_mismatches int NOT NULL DEFAULT 0,
        fraud_signals jsonb NOT NULL DEFAULT '[]',
        held_for_supervisor boolean NOT NULL DEFAULT false,
        ip text,
        sla_due_at timestamptz NOT NULL,
        scheduled_at timestamptz,
        cutover_started_at timestamptz,
        provisioning_attempts int NOT NULL DEFAULT 0,
        provisioning_reference text,
        last_error text,
        decided_by uuid,
        rejection_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      )`);
    // One open request per subscriber, and no number held by two open requests: the database says so.
    await q.query(`
      CREATE UNIQUE INDEX number_change_requests_one_open ON number_change_requests (subscriber_id)
      WHERE state IN ('requested', 'verified', 'number_reserved', 'approved', 'scheduled')`);
    await q.query(`
      CREATE UNIQUE INDEX number_change_requests_new_number ON number_change_requests (new_msisdn)
      WHERE state IN ('number_reserved', 'approved', 'scheduled')`);
    await q.query(`CREATE INDEX number_change_requests_queue ON number_change_requests (state, sla_due_at)`);
    await q.query(`CREATE INDEX number_change_requests_ip ON number_change_requests (ip, created_at)`);

    await q.query(`
      CREATE TABLE number_pool (
        msisdn text PRIMARY KEY,
        state text NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'reserved', 'assigned', 'quarantined')),
        request_id uuid REFERENCES number_change_requests(id),
        reserved_until timestamptz,
        assigned_to uuid REFERENCES subscribers(id),
        quarantined_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((state = 'reserved') = (request_id IS NOT NULL)),
        CHECK ((state = 'assigned') = (assigned_to IS NOT NULL)),
        CHECK ((state = 'quarantined') = (quarantined_until IS NOT NULL))
      )`);
    // "Similar to my old number" looks numbers up by their last digits.
    await q.query(
      `CREATE INDEX number_pool_available_suffix ON number_pool (right(msisdn, 2)) WHERE state = 'available'`,
    );
    await q.query(
      `CREATE INDEX number_pool_request ON number_pool (request_id) WHERE request_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX number_pool_expiry ON number_pool (reserved_until) WHERE state = 'reserved'`);
    await q.query(
      `CREATE INDEX number_pool_quarantine ON number_pool (quarantined_until) WHERE state = 'quarantined'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE number_pool`);
    await q.query(`DROP TABLE number_change_requests`);
  }
}
