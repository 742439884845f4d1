import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15 (approvals): a decider may send work back to its author with a comment, or reject it with a reason.
 * Updates gain a `returned` state (editable; an edit resubmits it), campaigns a returned comment while they stay
 * draft, offers a terminal `rejected` approval and text changes a terminal `rejected` status. The second-person
 * rule holds for these decisions as it does for approval.
 */
export class SendBack1764900000000 implements MigrationInterface {
  name = 'SendBack1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE incident_updates
        DROP CONSTRAINT incident_updates_status_check,
        ADD CONSTRAINT incident_updates_status_check
          CHECK (status IN ('draft', 'returned', 'approved', 'scheduled', 'published', 'discarded')),
        ADD COLUMN returned_comment text NULL,
        ADD COLUMN returned_by uuid NULL REFERENCES staff_users(id),
        ADD COLUMN returned_at timestamptz NULL,
        ADD CONSTRAINT incident_updates_returned_second_person CHECK (returned_by IS NULL OR returned_by <> created_by),
        ADD CONSTRAINT incident_updates_returned_comment CHECK (status <> 'returned' OR returned_comment IS NOT NULL)`);
    await q.query(`
      ALTER TABLE campaigns
        ADD COLUMN returned_comment text NULL,
        ADD COLUMN returned_by uuid NULL REFERENCES staff_users(id),
        ADD COLUMN returned_at timestamptz NULL,
        ADD CONSTRAINT campaigns_returned_draft CHECK (returned_at IS NULL OR status IN ('draft', 'cancelled'))`);
    await q.query(`
      ALTER TABLE offers
        DROP CONSTRAINT offers_approval_status_check,
        ADD CONSTRAINT offers_approval_status_check
          CHECK (approval_status IN ('not_required', 'pending', 'approved', 'rejected')),
        ADD COLUMN rejected_reason text NULL,
        ADD COLUMN rejected_by uuid NULL REFERENCES staff_users(id),
        ADD COLUMN rejected_at timestamptz NULL,
        ADD CONSTRAINT offers_rejected_reason CHECK (approval_status <> 'rejected' OR rejected_reason IS NOT NULL)`);
    await q.query(`
      ALTER TABLE incident_text_changes
        DROP CONSTRAINT incident_text_changes_status_check,
        ADD CONSTRAINT incident_text_changes_status_check
          CHECK (status IN ('draft', 'applied', 'discarded', 'rejected')),
        ADD COLUMN rejected_reason text NULL,
        ADD COLUMN rejected_by uuid NULL REFERENCES staff_users(id),
        ADD COLUMN rejected_at timestamptz NULL,
        ADD CONSTRAINT incident_text_changes_rejected CHECK (status <> 'rejected' OR rejected_reason IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM incident_text_changes WHERE status = 'rejected'`);
    await q.query(`
      ALTER TABLE incident_text_changes
        DROP CONSTRAINT incident_text_changes_rejected,
        DROP COLUMN rejected_at, DROP COLUMN rejected_by, DROP COLUMN rejected_reason,
        DROP CONSTRAINT incident_text_changes_status_check,
        ADD CONSTRAINT incident_text_changes_status_check CHECK (status IN ('draft', 'applied', 'discarded'))`);
    await q.query(`UPDATE offers SET approval_status = 'pending' WHERE approval_status = 'rejected'`);
    await q.query(`
      ALTER TABLE offers
        DROP CONSTRAINT offers_rejected_reason,
        DROP COLUMN rejected_at, DROP COLUMN rejected_by, DROP COLUMN rejected_reason,
        DROP CONSTRAINT offers_approval_status_check,
        ADD CONSTRAINT offers_approval_status_check CHECK (approval_status IN ('not_required', 'pending', 'approved'))`);
    await q.query(`
      ALTER TABLE campaigns
        DROP CONSTRAINT campaigns_returned_draft,
        DROP COLUMN returned_at, DROP COLUMN returned_by, DROP COLUMN returned_comment`);
    await q.query(`UPDATE incident_updates SET status = 'draft' WHERE status = 'returned'`);
    await q.query(`
      ALTER TABLE incident_updates
        DROP CONSTRAINT incident_updates_returned_comment,
        DROP CONSTRAINT incident_updates_returned_second_person,
        DROP COLUMN returned_at, DROP COLUMN returned_by, DROP COLUMN returned_comment,
        DROP CONSTRAINT incident_updates_status_check,
        ADD CONSTRAINT incident_updates_status_check
          CHECK (status IN ('draft', 'approved', 'scheduled', 'published', 'discarded'))`);
  }
}
