import { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1764200000000 implements MigrationInterface {
  name = 'Notifications1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        incident_id uuid,
        kind text NOT NULL,
        audience_type text NOT NULL CHECK (audience_type IN ('analysis_run', 'csv', 'all_subscribers')),
        audience_ref text,
        channel_policy text NOT NULL CHECK (channel_policy IN ('sms', 'email', 'both', 'sms_else_email')),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'approved', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
        vars jsonb NOT NULL DEFAULT '{}',
        ignore_quiet_hours boolean NOT NULL DEFAULT false,
        scheduled_at timestamptz,
        created_by text NOT NULL,
        approved_by text,
        build_report jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        approved_at timestamptz,
        started_at timestamptz,
        completed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A CSV audience, resolved to subscribers when uploaded; rows that matched nobody are counted, not kept.
    await q.query(`
      CREATE TABLE campaign_audience (
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        PRIMARY KEY (campaign_id, subscriber_id)
      )`);
    // The outbox: one row per message, written before any provider call; BullMQ only carries its id.
    await q.query(`
      CREATE TABLE messages (
        id bigserial PRIMARY KEY,
        campaign_id uuid REFERENCES campaigns(id),
        subscriber_id uuid REFERENCES subscribers(id),
        channel text NOT NULL CHECK (channel IN ('sms', 'email')),
        kind text NOT NULL,
        locale text NOT NULL DEFAULT 'en',
        to_address text NOT NULL,
        dedupe_key text UNIQUE,
        vars jsonb,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN
          ('pending', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'skipped', 'cancelled')),
        attempts int NOT NULL DEFAULT 0,
        enqueue_count int NOT NULL DEFAULT 0,
        provider_id text,
        error_code text,
        error_message text,
        segments int,
        created_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz,
        sending_started_at timestamptz,
        sent_at timestamptz,
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Once per person and channel in a campaign: the database says so, not the application.
    await q.query(`CREATE UNIQUE INDEX messages_campaign_recipient_key ON messages (campaign_id, subscriber_id, channel)
      WHERE campaign_id IS NOT NULL`);
    await q.query(`CREATE INDEX messages_pending_idx ON messages (id) WHERE status = 'pending'`);
    await q.query(
      `CREATE INDEX messages_inflight_idx ON messages (queued_at) WHERE status IN ('queued', 'sending')`,
    );
    await q.query(
      `CREATE INDEX messages_provider_idx ON messages (provider_id) WHERE provider_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX messages_campaign_status_idx ON messages (campaign_id, status)`);
    // STOP from any number (subscriber or not) is honoured for every later SMS; keyed by HMAC, not the number.
    await q.query(`
      CREATE TABLE sms_opt_outs (
        msisdn_hmac text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sms_opt_outs`);
    await q.query(`DROP TABLE messages`);
    await q.query(`DROP TABLE campaign_audience`);
    await q.query(`DROP TABLE campaigns`);
  }
}
