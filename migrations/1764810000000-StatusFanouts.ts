import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The status page's fan-out of a published update gets its own row (owned by the status page) instead of a
 * column on incident_updates, so incidents never learn about subscribers: incidents → status page, one way.
 */
export class StatusFanouts1764810000000 implements MigrationInterface {
  name = 'StatusFanouts1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE status_fanouts (
        update_id uuid PRIMARY KEY REFERENCES incident_updates(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        done_at timestamptz,
        sent integer
      )`);
    await q.query(`CREATE INDEX status_fanouts_open ON status_fanouts (created_at) WHERE done_at IS NULL`);
    await q.query(`
      INSERT INTO status_fanouts (update_id, created_at, done_at)
      SELECT id, coalesce(published_at, now()), subscribers_notified_at FROM incident_updates
      WHERE status = 'published'`);
    await q.query(`ALTER TABLE incident_updates DROP COLUMN subscribers_notified_at`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE incident_updates ADD COLUMN subscribers_notified_at timestamptz`);
    await q.query(`
      UPDATE incident_updates u SET subscribers_notified_at = f.done_at
      FROM status_fanouts f WHERE f.update_id = u.id`);
    await q.query(`DROP TABLE status_fanouts`);
  }
}
