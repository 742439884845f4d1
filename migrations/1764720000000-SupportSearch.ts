import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Support's customer search (staff console): by email (exact, any case) and by first name (prefix, any
 * case) without reading every subscriber. Account ids and numbers already have their unique indexes.
 */
export class SupportSearch1764720000000 implements MigrationInterface {
  name = 'SupportSearch1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX subscribers_email_lower_idx ON subscribers (lower(email))`);
    await q.query(
      `CREATE INDEX subscribers_first_name_lower_idx ON subscribers (lower(first_name) text_pattern_ops)`,
    );
    await q.query(`CREATE INDEX subscribers_account_id_lower_idx ON subscribers (lower(account_id))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX subscribers_account_id_lower_idx`);
    await q.query(`DROP INDEX subscribers_first_name_lower_idx`);
    await q.query(`DROP INDEX subscribers_email_lower_idx`);
  }
}
