import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Campaign } from './campaign.entity';

/** What an edit of a draft writes. */
export interface DraftFields {
  name: string;
  vars: Record<string, string>;
  varsCy: Record<string, string>;
  ignoreQuietHours: boolean;
  excludeRecentRecipients: boolean;
}

/** The SQL of the `campaigns` table (state moves go through `changeState`, not here). */
@Injectable()
export class CampaignsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts a new campaign in `m`'s transaction. */
  insert(m: EntityManager, values: Partial<Campaign>): Promise<Campaign> {
    return m.save(m.create(Campaign, values));
  }

  /** One campaign (inside `m`'s transaction when given), or null. */
  find(id: string, m: EntityManager = this.db.manager): Promise<Campaign | null> {
    return m.findOneBy(Campaign, { id });
  }

  /** One campaign that must exist (read back after a change in `m`'s transaction). */
  get(m: EntityManager, id: string): Promise<Campaign> {
    return m.findOneByOrFail(Campaign, { id });
  }

  /** The newest campaigns first. */
  newest(limit: number): Promise<Campaign[]> {
    return this.db.getRepository(Campaign).find({ order: { createdAt: 'DESC' }, take: limit });
  }

  /** Writes a draft's edit, only while it is a draft; an edit resubmits a sent-back draft. Whether it did. */
  async updateDraft(m: EntityManager, id: string, f: DraftFields): Promise<boolean> {
    const [, n] = await m.query(
      `UPDATE campaigns SET name = $2, vars = $3, vars_cy = $4, ignore_quiet_hours = $5,
         exclude_recent_recipients = $6, updated_at = now(),
         returned_comment = NULL, returned_by = NULL, returned_at = NULL -- an edit resubmits a sent-back draft
       WHERE id = $1 AND status = 'draft'`,
      [id, f.name, f.vars, f.varsCy, f.ignoreQuietHours, f.excludeRecentRecipients],
    );
    return !!n;
  }

  /** Sends a draft back to its author, only while it is a draft not already sent back. Whether it did. */
  async sendBack(
    m: EntityManager,
    id: string,
    back: { comment: string; by: string | null; at: Date },
  ): Promise<boolean> {
    const [, n] = await m.query(
      `UPDATE campaigns SET returned_comment = $2, returned_by = $3, returned_at = $4, updated_at = now()
        WHERE id = $1 AND status = 'draft' AND returned_at IS NULL`,
      [id, back.comment, back.by, back.at],
    );
    return !!n;
  }

  /** The latest approved (or sent) campaign of `kind` for an incident, or null. */
  latestApproved(incidentId: string, kind: string): Promise<Campaign | null> {
    return this.db
      .getRepository(Campaign)
      .createQueryBuilder('c')
      .where('c.incident_id = :incidentId AND c.kind = :kind', { incidentId, kind })
      .andWhere(`c.status IN ('approved', 'scheduled', 'running', 'paused', 'completed')`)
      .orderBy('c.created_at', 'DESC')
      .getOne();
  }

  /** The campaign's status under a share lock of `m`'s transaction (null: no such campaign). */
  async statusForShare(m: EntityManager, id: string): Promise<string | null> {
    const [row] = await m.query(`SELECT status FROM campaigns WHERE id = $1 FOR SHARE`, [id]);
    return row?.status ?? null;
  }

  /** Scheduled campaigns whose time has come. */
  async dueScheduled(now: Date): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= $1`,
      [now],
    );
    return rows.map((r) => r.id);
  }

  /** Running campaigns with nothing left to send. */
  async finishedRunning(): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT c.id FROM campaigns c WHERE c.status = 'running' AND NOT EXISTS (
         SELECT 1 FROM messages m WHERE m.campaign_id = c.id AND m.status IN ('pending', 'queued', 'sending'))`,
    );
    return rows.map((r) => r.id);
  }

  /** Records a provider's refusal code for a campaign; true the first time (it is alerted once). */
  async firstProviderAlert(m: EntityManager, id: string, code: string, at: Date): Promise<boolean> {
    const rows = await m.query(
      `INSERT INTO campaign_provider_alerts (campaign_id, code, alerted_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING code`,
      [id, code, at],
    );
    return rows.length > 0;
  }

  /** Other campaigns of the same kind and incident started since `since`. */
  async recentOfKind(m: EntityManager, c: Campaign, since: Date): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM campaigns WHERE id <> $1 AND kind = $2 AND incident_id IS NOT DISTINCT FROM $3::uuid
         AND started_at >= $4`,
      [c.id, c.kind, c.incidentId, since],
    );
    return rows.map((r) => r.id);
  }

  async setBuildReport(m: EntityManager, id: string, report: Record<string, unknown>): Promise<void> {
    await m.query(`UPDATE campaigns SET build_report = $2 WHERE id = $1`, [id, report]);
  }

  async addEnqueueMs(id: string, ms: number): Promise<void> {
    await this.db.query(
      `UPDATE campaigns SET build_report = build_report || jsonb_build_object('enqueueMs', $2::int) WHERE id = $1`,
      [id, ms],
    );
  }
}
