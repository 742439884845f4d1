import { MigrationInterface, QueryRunner } from 'typeorm';

/** When a subscriber's number was ported in to the operator (from the subscribers import): a fraud signal. */
export class SubscriberPortedAt1764500500000 implements MigrationInterface {
  name = 'SubscriberPortedAt1764500500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscribers ADD COLUMN ported_in_at timestamptz NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscribers DROP COLUMN ported_in_at`);
  }
}
