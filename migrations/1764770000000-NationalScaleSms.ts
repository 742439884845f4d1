import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * National-scale SMS: a campaign's ValidityPeriod (a notice older than it fails rather than arriving late), the
 * `email_first` channel policy, and the idempotency tokens of Twilio's status callbacks already applied (Twilio
 * retries a callback with the same `I-Twilio-Idempotency-Token`).
 */
export class NationalScaleSms1764770000000 implements MigrationInterface {
  name = 'NationalScaleSms1764770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE campaigns ADD COLUMN validity_seconds int NULL
         CHECK (validity_seconds BETWEEN 1 AND 36000)`,
    );
    await q.query(`ALTER TABLE campaigns DROP CONSTRAINT campaigns_channel_policy_check`);
    await q.query(
      `ALTER TABLE campaigns ADD CONSTRAINT campaigns_channel_policy_check
         CHECK (channel_policy IN ('sms', 'email', 'both', 'sms_else_email', 'email_first'))`,
    );
    await q.query(
      `CREATE TABLE twilio_callback_tokens (
         token text PRIMARY KEY,
         received_at timestamptz NOT NULL DEFAULT now())`,
    );
    await q.query(`CREATE INDEX twilio_callback_tokens_received ON twilio_callback_tokens (received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE twilio_callback_tokens`);
    await q.query(`ALTER TABLE campaigns DROP CONSTRAINT campaigns_channel_policy_check`);
    await q.query(
      `ALTER TABLE campaigns ADD CONSTRAINT campaigns_channel_policy_check
         CHECK (channel_policy IN ('sms', 'email', 'both', 'sms_else_email'))`,
    );
    await q.query(`ALTER TABLE campaigns DROP COLUMN validity_seconds`);
  }
}
