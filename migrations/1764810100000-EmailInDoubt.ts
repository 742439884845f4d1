import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a send attempt handed the message to the provider (written just before the call, cleared when the
 * provider answered without taking it): a row claimed again with this set is "in doubt" and is looked up,
 * never resent blindly.
 */
export class EmailInDoubt1764810100000 implements MigrationInterface {
  name = 'EmailInDoubt1764810100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN provider_call_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN provider_call_at`);
  }
}
