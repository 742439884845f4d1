import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { IncidentTextChange } from './incident-text-change.entity';

/** A text change as the approvals inbox and its author's "sent back" list show it. */
export interface TextChangeForReview {
  id: string;
  incidentId: string;
  incidentTitle: string;
  fields: Record<string, string | string[]>;
  approverRoles: string[];
  authorId: string;
  createdAt: Date;
  rejectedReason: string | null;
  rejectedAt: Date | null;
}

const FOR_REVIEW = `SELECT c.id, c.incident_id AS "incidentId", i.title AS "incidentTitle", c.fields,
         i.approver_roles AS "approverRoles", c.created_by AS "authorId", c.created_at AS "createdAt",
         c.rejected_reason AS "rejectedReason", c.rejected_at AS "rejectedAt"
    FROM incident_text_changes c JOIN incidents i ON i.id = c.incident_id`;

/** The SQL of proposed changes to an incident's public text (rows come back camelCase). */
@Injectable()
export class TextChangeRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  find(m: EntityManager, incidentId: string, changeId: string): Promise<IncidentTextChange | null> {
    return m.findOne(IncidentTextChange, { where: { id: changeId, incidentId } });
  }

  get(m: EntityManager, id: string): Promise<IncidentTextChange> {
    return m.findOneByOrFail(IncidentTextChange, { id });
  }

  /** Drafts waiting for a second person, oldest first. */
  awaiting(limit: number): Promise<TextChangeForReview[]> {
    return this.db.query(`${FOR_REVIEW} WHERE c.status = 'draft' ORDER BY c.created_at, c.id LIMIT $1`, [
      limit,
    ]);
  }

  /** Changes rejected since `since`, oldest first. */
  rejectedSince(since: Date, limit: number): Promise<TextChangeForReview[]> {
    return this.db.query(
      `${FOR_REVIEW} WHERE c.status = 'rejected' AND c.rejected_at > $2 ORDER BY c.created_at, c.id LIMIT $1`,
      [limit, since],
    );
  }
}
