import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17: incident kinds (personal-data breach or not, the help blocks each shows, when the operator became
 * aware, the regulator rules that apply), a comms lead and deputy per incident, the status an update moved
 * from, regulator notifications in phases with reasons for delay, incident text changes that need a second
 * person once the incident is public, and update templates as versioned data.
 */
export class CommsControl1764740000000 implements MigrationInterface {
  name = 'CommsControl1764740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE incidents
        ADD COLUMN personal_data_breach boolean NOT NULL DEFAULT false,
        ADD COLUMN became_aware_at timestamptz NULL,
        ADD COLUMN regulator_rules text[] NOT NULL DEFAULT '{}'
          CHECK (regulator_rules <@ ARRAY['pecr_5a_2025', 'uk_gdpr_art33', 'pecr_legacy_24h']),
        ADD COLUMN help_blocks text[] NOT NULL DEFAULT '{}'
          CHECK (help_blocks <@ ARRAY['affected', 'offers', 'number_change']),
        ADD COLUMN comms_lead_id uuid NULL REFERENCES staff_users(id),
        ADD COLUMN comms_deputy_id uuid NULL REFERENCES staff_users(id),
        ADD COLUMN affected_services_cy text[] NULL,
        ADD CONSTRAINT incidents_breach_aware CHECK (NOT personal_data_breach OR became_aware_at IS NOT NULL)`);
    await q.query(`ALTER TABLE incident_updates ADD COLUMN status_from text NULL`);
    await q.query(`ALTER TABLE incident_reminders DROP CONSTRAINT incident_reminders_kind_check`);
    await q.query(`ALTER TABLE incident_reminders ADD CONSTRAINT incident_reminders_kind_check
      CHECK (kind IN ('due_soon', 'overdue', 'escalated'))`);

    await q.query(
      `ALTER TABLE incident_regulator_notices DROP CONSTRAINT incident_regulator_notices_kind_check`,
    );
    await q.query(
      `ALTER TABLE incident_regulator_notices DROP CONSTRAINT incident_regulator_notices_incident_id_kind_key`,
    );
    await q.query(`UPDATE incident_regulator_notices SET kind = CASE kind
        WHEN 'pecr_initial' THEN 'pecr_legacy_initial' WHEN 'gdpr_art33' THEN 'uk_gdpr_art33' ELSE kind END`);
    await q.query(`
      ALTER TABLE incident_regulator_notices
        ADD CONSTRAINT incident_regulator_notices_kind_check
          CHECK (kind IN ('pecr_5a', 'uk_gdpr_art33', 'pecr_legacy_initial', 'pecr_legacy_full')),
        ADD COLUMN phase text NOT NULL DEFAULT 'initial' CHECK (phase IN ('initial', 'further', 'final')),
        ADD COLUMN delay_reasons text NULL,
        ADD COLUMN content jsonb NULL,
        ADD CONSTRAINT incident_regulator_notices_phase_key UNIQUE (incident_id, kind, phase)`);

    // A change to a public incident's text: drafted, approved by a second person, then applied.
    await q.query(`
      CREATE TABLE incident_text_changes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        incident_id uuid NOT NULL REFERENCES incidents(id),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'applied', 'discarded')),
        fields jsonb NOT NULL,
        created_by uuid NOT NULL REFERENCES staff_users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        approved_by uuid NULL REFERENCES staff_users(id),
        applied_at timestamptz NULL,
        CONSTRAINT incident_text_changes_second_person CHECK (approved_by IS NULL OR approved_by <> created_by),
        CHECK (status <> 'applied' OR approved_by IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX incident_text_changes_incident_idx ON incident_text_changes (incident_id)`);

    // Update templates as data: every edit is a new version; the newest version of a key is in force.
    await q.query(`
      CREATE TABLE update_templates (
        key text NOT NULL CHECK (key ~ '^[a-z0-9-]{2,40}$'),
        version int NOT NULL CHECK (version > 0),
        incident_status text NULL CHECK (incident_status IN ('investigating', 'identified', 'monitoring', 'resolved')),
        body text NOT NULL,
        body_cy text NOT NULL,
        retired boolean NOT NULL DEFAULT false,
        created_by uuid NULL REFERENCES staff_users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (key, version)
      )`);
    const seeds: Array<[string, string | null, string, string]> = [
      [
        'investigating',
        'investigating',
        'We are investigating a problem affecting {{services}}. We will share what we know as soon as we can.',
        'Rydym yn ymchwilio i broblem sy’n effeithio ar {{services}}. Byddwn yn rhannu’r hyn a wyddom cyn gynted ag y gallwn.',
      ],
      [
        'identified',
        'identified',
        'We have found the cause of the problem affecting {{services}} and are working on a fix.',
        'Rydym wedi dod o hyd i achos y broblem sy’n effeithio ar {{services}} ac rydym yn gweithio ar ateb.',
      ],
      [
        'monitoring',
        'monitoring',
        'A fix for {{services}} is in place and we are monitoring it closely.',
        'Mae ateb ar gyfer {{services}} yn ei le ac rydym yn ei fonitro’n agos.',
      ],
      [
        'resolved',
        'resolved',
        'The problem affecting {{services}} has been resolved. Thank you for your patience.',
        'Mae’r broblem a oedd yn effeithio ar {{services}} wedi’i datrys. Diolch am eich amynedd.',
      ],
      [
        'no-change',
        null,
        'There is no change since our last update. Our teams are still working on {{services}}.',
        'Does dim newid ers ein diweddariad diwethaf. Mae ein timau’n dal i weithio ar {{services}}.',
      ],
    ];
    for (const [key, status, body, bodyCy] of seeds)
      await q.query(
        `INSERT INTO update_templates (key, version, incident_status, body, body_cy) VALUES ($1, 1, $2, $3, $4)`,
        [key, status, body, bodyCy],
      );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE update_templates`);
    await q.query(`DROP TABLE incident_text_changes`);
    await q.query(
      `DELETE FROM incident_regulator_notices WHERE phase <> 'initial' OR kind IN ('pecr_5a', 'pecr_legacy_full')`,
    );
    await q.query(`
      ALTER TABLE incident_regulator_notices
        DROP CONSTRAINT incident_regulator_notices_phase_key,
        DROP CONSTRAINT incident_regulator_notices_kind_check,
        DROP COLUMN phase, DROP COLUMN delay_reasons, DROP COLUMN content`);
    await q.query(`UPDATE incident_regulator_notices SET kind = CASE kind
        WHEN 'pecr_legacy_initial' THEN 'pecr_initial' WHEN 'uk_gdpr_art33' THEN 'gdpr_art33' ELSE kind END`);
    await q.query(`
      ALTER TABLE incident_regulator_notices
        ADD CONSTRAINT incident_regulator_notices_kind_check CHECK (kind IN ('pecr_initial', 'gdpr_art33')),
        ADD CONSTRAINT incident_regulator_notices_incident_id_kind_key UNIQUE (incident_id, kind)`);
    await q.query(`DELETE FROM incident_reminders WHERE kind = 'escalated'`);
    await q.query(`ALTER TABLE incident_reminders DROP CONSTRAINT incident_reminders_kind_check`);
    await q.query(`ALTER TABLE incident_reminders ADD CONSTRAINT incident_reminders_kind_check
      CHECK (kind IN ('due_soon', 'overdue'))`);
    await q.query(`ALTER TABLE incident_updates DROP COLUMN status_from`);
    await q.query(`
      ALTER TABLE incidents DROP CONSTRAINT incidents_breach_aware,
        DROP COLUMN affected_services_cy, DROP COLUMN comms_deputy_id, DROP COLUMN comms_lead_id, DROP COLUMN help_blocks,
        DROP COLUMN regulator_rules, DROP COLUMN became_aware_at, DROP COLUMN personal_data_breach`);
  }
}
