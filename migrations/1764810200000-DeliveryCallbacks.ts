import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Twilio's delivery callbacks, as received: the webhook only appends here (group-committed, no index but the
 * key, no foreign key to check), and a worker applies them to `messages` in bulk and deletes them. The API
 * answers Twilio in milliseconds whatever the outbox is doing.
 */
export class DeliveryCallbacks1764810200000 implements MigrationInterface {
  name = 'DeliveryCallbacks1764810200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE delivery_callbacks (
        id bigserial PRIMARY KEY,
        message_id bigint NOT NULL,
        provider_sid text NOT NULL,
        status text NOT NULL,
        error_code text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE delivery_callbacks`);
  }
}
