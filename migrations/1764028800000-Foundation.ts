import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764028800000 implements MigrationInterface {
  name = 'Foundation1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('comms', 'support', 'supervisor', 'admin')),
        password_hash text,
        phone text,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX staff_users_email_key ON staff_users (lower(email))`);
    await q.query(`
      CREATE TABLE staff_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES staff_users(id),
        kind text NOT NULL CHECK (kind IN ('session', 'api_key')),
        name text,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query(`CREATE INDEX staff_tokens_user_idx ON staff_tokens (user_id)`);

    await q.query(`
      CREATE TABLE subscribers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id text NOT NULL UNIQUE,
        msisdn text NOT NULL UNIQUE,
        msisdn_hmac text NOT NULL UNIQUE,
        email text,
        first_name text,
        locale text NOT NULL DEFAULT 'en',
        sms_opt_out boolean NOT NULL DEFAULT false,
        email_opt_out boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE subscriber_number_history (
        id bigserial PRIMARY KEY,
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        msisdn text NOT NULL,
        msisdn_hmac text NOT NULL,
        valid_from timestamptz NOT NULL DEFAULT now(),
        valid_to timestamptz,
        reason text
      )`);
    await q.query(
      `CREATE INDEX subscriber_number_history_hmac_idx ON subscriber_number_history (msisdn_hmac)`,
    );
    await q.query(
      `CREATE INDEX subscriber_number_history_sub_idx ON subscriber_number_history (subscriber_id)`,
    );

    await q.query(`
      CREATE TABLE customer_otp_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid REFERENCES subscribers(id),
        msisdn_hmac text NOT NULL,
        code_hash text NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        ip text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE customer_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL CHECK (actor_type IN ('staff', 'customer', 'system', 'anonymous')),
        actor_id text,
        actor_role text,
        action text NOT NULL,
        target_type text,
        target_id text,
        summary jsonb NOT NULL DEFAULT '{}',
        request_id text,
        ip text
      )`);
    await q.query(`CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id)`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_id)`);
    await q.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, at)`);
    // Append-only is enforced by the database, not by convention: no UPDATE, DELETE or TRUNCATE.
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
    await q.query(`DROP TABLE customer_sessions`);
    await q.query(`DROP TABLE customer_otp_challenges`);
    await q.query(`DROP TABLE subscriber_number_history`);
    await q.query(`DROP TABLE subscribers`);
    await q.query(`DROP TABLE staff_tokens`);
    await q.query(`DROP TABLE staff_users`);
  }
}
