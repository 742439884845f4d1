import { MigrationInterface, QueryRunner } from 'typeorm';

export class Incidents1764300000000 implements MigrationInterface {
  name = 'Incidents1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE incidents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        title_cy text,
        summary text NOT NULL DEFAULT '',
        summary_cy text,
        advice text NOT NULL DEFAULT '',
        advice_cy text,
        impact text NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical')),
        status text NOT NULL DEFAULT 'investigating'
          CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
        detected_at timestamptz NOT NULL,
        exposure_from timestamptz,
        exposure_to timestamptz,
        affected_services text[] NOT NULL DEFAULT '{}',
        analysis_run_ids uuid[] NOT NULL DEFAULT '{}',
        campaign_ids uuid[] NOT NULL DEFAULT '{}',
        approver_roles text[] NOT NULL DEFAULT '{supervisor}'
          CHECK (approver_roles <@ ARRAY['comms', 'support', 'supervisor', 'admin'] AND cardinality(approver_roles) > 0),
        cadence_minutes int NOT NULL DEFAULT 60 CHECK (cadence_minutes BETWEEN 5 AND 1440),
        cadence_fast_hours int NOT NULL DEFAULT 48 CHECK (cadence_fast_hours >= 0),
        cadence_slow_minutes int NOT NULL DEFAULT 240 CHECK (cadence_slow_minutes BETWEEN 5 AND 10080),
        created_by uuid NOT NULL REFERENCES staff_users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        CHECK (exposure_to IS NULL OR exposure_from IS NULL OR exposure_to >= exposure_from)
      )`);

    await q.query(`
      CREATE TABLE incident_updates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        incident_id uuid NOT NULL REFERENCES incidents(id),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'approved', 'scheduled', 'published', 'discarded')),
        incident_status text NOT NULL
          CHECK (incident_status IN ('investigating', 'identified', 'monitoring', 'resolved')),
        body text NOT NULL,
        body_cy text,
        corrects_id uuid REFERENCES incident_updates(id),
        next_update_by timestamptz,
        scheduled_for timestamptz,
        created_by uuid NOT NULL REFERENCES staff_users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        approved_by uuid REFERENCES staff_users(id),
        approved_at timestamptz,
        published_by uuid REFERENCES staff_users(id),
        published_at timestamptz,
        subscribers_notified_at timestamptz,
        -- the four-eyes rule, held by the database as well as the service
        CONSTRAINT incident_updates_second_person CHECK (approved_by IS NULL OR approved_by <> created_by),
        CHECK (status NOT IN ('approved', 'scheduled', 'published') OR approved_by IS NOT NULL),
        CHECK (status <> 'scheduled' OR scheduled_for IS NOT NULL),
        CHECK (status <> 'published' OR published_at IS NOT NULL)
      )`);
    await q.query(
      `CREATE INDEX incident_updates_incident_idx ON incident_updates (incident_id, published_at)`,
    );
    await q.query(
      `CREATE INDEX incident_updates_scheduled_idx ON incident_updates (scheduled_for) WHERE status = 'scheduled'`,
    );
    // Public history is immutable: a published update's content never changes and it is never deleted.
    // Only the fan-out bookkeeping column may be set afterwards.
    await q.query(`
      CREATE FUNCTION incident_updates_published_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF OLD.status = 'published' THEN
            RAISE EXCEPTION 'published incident updates cannot be deleted' USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN OLD;
        END IF;
        IF OLD.status = 'published' AND (ROW(NEW.status, NEW.body, NEW.body_cy, NEW.incident_status, NEW.corrects_id,
            NEW.next_update_by, NEW.published_at, NEW.published_by, NEW.incident_id)
            IS DISTINCT FROM ROW(OLD.status, OLD.body, OLD.body_cy, OLD.incident_status, OLD.corrects_id,
            OLD.next_update_by, OLD.published_at, OLD.published_by, OLD.incident_id)) THEN
          RAISE EXCEPTION 'published incident updates are immutable; publish a correction' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER incident_updates_immutable BEFORE UPDATE OR DELETE ON incident_updates
      FOR EACH ROW EXECUTE FUNCTION incident_updates_published_immutable()`);

    await q.query(`
      CREATE TABLE incident_reminders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        incident_id uuid NOT NULL REFERENCES incidents(id),
        update_id uuid NOT NULL REFERENCES incident_updates(id),
        kind text NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
        next_update_by timestamptz NOT NULL,
        fired_at timestamptz NOT NULL,
        recipients int NOT NULL DEFAULT 0,
        UNIQUE (update_id, kind)
      )`);
    await q.query(
      `CREATE INDEX incident_reminders_incident_idx ON incident_reminders (incident_id, fired_at)`,
    );

    await q.query(`
      CREATE TABLE incident_regulator_notices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        incident_id uuid NOT NULL REFERENCES incidents(id),
        kind text NOT NULL CHECK (kind IN ('pecr_initial', 'gdpr_art33')),
        notified_at timestamptz NOT NULL,
        reference text NOT NULL,
        recorded_by uuid NOT NULL REFERENCES staff_users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (incident_id, kind)
      )`);

    await q.query(`
      CREATE TABLE status_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        incident_id uuid NOT NULL REFERENCES incidents(id),
        channel text NOT NULL CHECK (channel IN ('sms', 'email')),
        address text NOT NULL,
        address_hmac text NOT NULL,
        locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'cy')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
        secret_hash text,
        secret_expires_at timestamptz,
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        unsubscribed_at timestamptz,
        UNIQUE (incident_id, channel, address_hmac)
      )`);
    await q.query(
      `CREATE INDEX status_subscriptions_confirmed_idx ON status_subscriptions (incident_id, id) WHERE status = 'confirmed'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE status_subscriptions`);
    await q.query(`DROP TABLE incident_regulator_notices`);
    await q.query(`DROP TABLE incident_reminders`);
    await q.query(`DROP TABLE incident_updates`);
    await q.query(`DROP FUNCTION incident_updates_published_immutable()`);
    await q.query(`DROP TABLE incidents`);
  }
}
