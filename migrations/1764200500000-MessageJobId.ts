import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The BullMQ job that carries a queued row. One job may carry several rows (an unlimited channel sends in
 * batches), so the sweeper reads the job id from the row instead of deriving it from the row alone.
 */
export class MessageJobId1764200500000 implements MigrationInterface {
  name = 'MessageJobId1764200500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN job_id text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN job_id`);
  }
}
