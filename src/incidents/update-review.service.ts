import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { Clock } from '../platform/clock/clock';
import { IncidentUpdate } from './incident-update.entity';
import { UpdateForReview, UpdateRepository } from './update.repository';
import { UpdateTransitions } from './update-transitions';

/**
 * The second person's side of an update: what waits for them, and sending a draft back to its author with a
 * comment (approval itself stays with the publication flow in IncidentUpdatesService).
 */
@Injectable()
export class UpdateReviewService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly updates: UpdateRepository,
    private readonly store: UpdateTransitions,
    private readonly clock: Clock,
  ) {}

  /** Drafts waiting for a second person, oldest first, with what an approver needs to decide (the inbox). */
  awaitingApproval(limit = 200): Promise<UpdateForReview[]> {
    return this.updates.forReview('draft', limit);
  }

  /** Updates sent back and not yet resubmitted: the author's "sent back to you" list. */
  returned(limit = 200): Promise<UpdateForReview[]> {
    return this.updates.forReview('returned', limit);
  }

  /** Changes when any incident or update changes (live views compare it to refresh). */
  changeMarker(): Promise<string> {
    return this.updates.changeMarker();
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
      return this.store.move(
        m,
        u,
        'send_back',
        { returnedComment: comment, returnedBy: actor.id!, returnedAt: this.clock.now() },
        { actor, what: 'send_back', extra: { comment, author: u.createdBy } },
      );
    });
  }
}
