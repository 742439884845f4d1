import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer index entries per outbox row version. Every status change of a message is a new row version in every
 * index (status is in index predicates, so no update is HOT), so an index costs once per state, per message:
 * - `dedupe_key` is unique only among one-off messages: campaign rows (NULL) no longer get an entry;
 * - `messages_provider_idx` goes: nothing looks a message up by the provider's id (callbacks carry ours).
 */
export class OutboxIndexes1764200600000 implements MigrationInterface {
  name = 'OutboxIndexes1764200600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP CONSTRAINT messages_dedupe_key_key`);
    await q.query(
      `CREATE UNIQUE INDEX messages_dedupe_key_key ON messages (dedupe_key) WHERE dedupe_key IS NOT NULL`,
    );
    await q.query(`DROP INDEX messages_provider_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX messages_provider_idx ON messages (provider_id) WHERE provider_id IS NOT NULL`,
    );
    await q.query(`DROP INDEX messages_dedupe_key_key`);
    await q.query(`ALTER TABLE messages ADD CONSTRAINT messages_dedupe_key_key UNIQUE (dedupe_key)`);
  }
}
