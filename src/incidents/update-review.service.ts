import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { Clock } from '../platform/clock/clock';
import { IncidentUpdate } from './incident-update.entity';
import { UpdateStore } from './update-store';

/** An update as the approvals inbox shows it (waiting for a decider, or sent back to its author). */
export interface UpdateForReview {
  id: string;
  incidentId: string;
  incidentTitle: string;
  body: string;
  approverRoles: string[];
  authorId: string;
  createdAt: Date;
  returnedComment: string | null;
  returnedAt: Date | null;
}

/**
 * The second person's side of an update: what waits for them, and sending a draft back to its author with a
 * comment (approval itself stays with the publication flow in IncidentUpdatesService).
 */
@Injectable()
export class UpdateReviewService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: UpdateStore,
    private readonly clock: Clock,
  ) {}

  /** Drafts waiting for a second person, oldest first, with what an approver needs to decide (the inbox). */
  awaitingApproval(limit = 200): Promise<UpdateForReview[]> {
    return this.select('draft', limit);
  }

  /** Updates sent back and not yet resubmitted: the author's "sent back to you" list. */
  returned(limit = 200): Promise<UpdateForReview[]> {
    return this.select('returned', limit);
  }

  /** Changes when any incident or update changes (live views compare it to refresh). */
  async changeMarker(): Promise<string> {
    const [r] = await this.db.query(
      `SELECT (SELECT concat(max(updated_at), '/', count(*)) FROM incidents) AS i,
              (SELECT concat(max(updated_at), '/', count(*)) FROM incident_updates) AS u`,
    );
    return `${r.i}|${r.u}`;
  }

  /**
   * Sends a draft back to its author with a comment: the same people may do it as may approve (never the
   * author), and a conditional UPDATE from `draft` means a send-back racing an approval has one winner.
   */
  async sendBack(
    incidentId: string,
    updateId: string,
    comment: string,
    actor: Actor,
  ): Promise<IncidentUpdate> {
    return this.db.transaction(async (m) => {
      const { u } = await this.store.forDecision(m, incidentId, updateId, actor);
      const returned = await this.store.move(m, u, 'send_back', {
        returnedComment: comment,
        returnedBy: actor.id!,
        returnedAt: this.clock.now(),
      });
      await this.store.record(m, actor, 'send_back', returned, { comment, author: u.createdBy });
      return returned;
    });
  }

  private async select(status: 'draft' | 'returned', limit: number): Promise<UpdateForReview[]> {
    const rows: any[] = await this.db.query(
      `SELECT u.id, u.incident_id, i.title, u.body, i.approver_roles, u.created_by, u.created_at,
              u.returned_comment, u.returned_at
         FROM incident_updates u JOIN incidents i ON i.id = u.incident_id
        WHERE u.status = $1 ORDER BY u.created_at, u.id LIMIT $2`,
      [status, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      incidentId: r.incident_id,
      incidentTitle: r.title,
      body: r.body,
      approverRoles: r.approver_roles,
      authorId: r.created_by,
      createdAt: new Date(r.created_at),
      returnedComment: r.returned_comment,
      returnedAt: r.returned_at ? new Date(r.returned_at) : null,
    }));
  }
}
