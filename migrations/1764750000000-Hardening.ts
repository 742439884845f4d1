import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 18 (hardening): service accounts and TOTP for staff; API keys with scopes and a required expiry;
 * sessions that remember whether a second factor was given.
 */
export class Hardening1764750000000 implements MigrationInterface {
  name = 'Hardening1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_users ADD COLUMN service_account boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE staff_users ADD COLUMN totp_secret text NULL`);
    await q.query(`ALTER TABLE staff_users ADD COLUMN totp_enabled_at timestamptz NULL`);
    await q.query(`ALTER TABLE staff_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE staff_tokens ADD COLUMN mfa boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_tokens DROP COLUMN mfa`);
    await q.query(`ALTER TABLE staff_tokens DROP COLUMN scopes`);
    await q.query(`ALTER TABLE staff_users DROP COLUMN totp_enabled_at`);
    await q.query(`ALTER TABLE staff_users DROP COLUMN totp_secret`);
    await q.query(`ALTER TABLE staff_users DROP COLUMN service_account`);
  }
}
