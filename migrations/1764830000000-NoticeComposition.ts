import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notices comms write (issue 17): a campaign's Welsh values beside its English ones (paragraphs and
 * variables; Candor's filled links too), and whether to leave out people who already got the same kind for
 * the same incident recently.
 */
export class NoticeComposition1764830000000 implements MigrationInterface {
  name = 'NoticeComposition1764830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns ADD COLUMN vars_cy jsonb NOT NULL DEFAULT '{}'`);
    await q.query(
      `ALTER TABLE campaigns ADD COLUMN exclude_recent_recipients boolean NOT NULL DEFAULT false`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns DROP COLUMN exclude_recent_recipients`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN vars_cy`);
  }
}
