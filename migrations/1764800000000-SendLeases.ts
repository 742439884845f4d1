import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Send leases: each worker process that sends keeps a row here alive (`seen_at`, the database's clock on both
 * sides), and each message it claims names it (`messages.claimed_by`). A row in `sending` is taken again (by
 * another job, or the sweeper) only once its claimer's lease has lapsed, so a live worker's send, however slow
 * (a loaded machine, a backed-up SMTP pool), is never sent a second time by someone else.
 */
export class SendLeases1764800000000 implements MigrationInterface {
  name = 'SendLeases1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE send_workers (
         id uuid PRIMARY KEY,
         seen_at timestamptz NOT NULL DEFAULT now())`,
    );
    await q.query(`ALTER TABLE messages ADD COLUMN claimed_by uuid NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN claimed_by`);
    await q.query(`DROP TABLE send_workers`);
  }
}
