import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 18 (hardening): service accounts and TOTP for staff; API keys with scopes and a required expiry;
 * sessions that remember whether a second factor was given; credit offers that wait for a second supervisor.
 */
export class Hardening1764750000000 implements MigrationInterface {
  name = 'Hardening1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_users ADD COLUMN service_account boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE staff_users ADD COLUMN totp_secret text NULL`);
    await q.query(`ALTER TABLE staff_users ADD COLUMN totp_enabled_at timestamptz NULL`);
    await q.query(`ALTER TABLE staff_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE staff_tokens ADD COLUMN mfa boolean NOT NULL DEFAULT false`);
    // Credit offers above a liability (or applied automatically) wait for a second supervisor.
    await q.query(`
      ALTER TABLE offers
        ADD COLUMN approval_status text NOT NULL DEFAULT 'not_required'
          CHECK (approval_status IN ('not_required', 'pending', 'approved')),
        ADD COLUMN liability_pence bigint NULL,
        ADD COLUMN approved_liability_pence bigint NULL,
        ADD COLUMN approved_by uuid NULL REFERENCES staff_users(id),
        ADD COLUMN approved_at timestamptz NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE offers DROP COLUMN approved_at, DROP COLUMN approved_by, DROP COLUMN approved_liability_pence,
        DROP COLUMN liability_pence, DROP COLUMN approval_status`);
    await q.query(`ALTER TABLE staff_tokens DROP COLUMN mfa`);
    await q.query(`ALTER TABLE staff_tokens DROP COLUMN scopes`);
    await q.query(`ALTER TABLE staff_users DROP COLUMN totp_enabled_at`);
    await q.query(`ALTER TABLE staff_users DROP COLUMN totp_secret`);
    await q.query(`ALTER TABLE staff_users DROP COLUMN service_account`);
  }
}
