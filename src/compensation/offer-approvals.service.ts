import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { Actor } from '../platform/http/actor';
import { Conflict, Forbidden, NotFound } from '../platform/http/domain-error';
import { changeState, sqlValue } from '../platform/state/state-change';
import { OfferApplyService } from './offer-apply.service';
import { OfferApprovalEvent, offerApprovalMachine } from './offer-approval-state';
import { Offer } from './offer.entity';
import { OffersRepository } from './offers.repository';

/**
 * The second supervisor's decision on a credit offer that waits (F1): approve it (an auto offer then applies)
 * or reject it with a reason, for good. Never its author; the offer row is locked, so two deciders at once
 * see each other's decision and one of them gets 409.
 */
@Injectable()
export class OfferApprovalsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly offers: OffersRepository,
    private readonly applier: OfferApplyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async approve(id: string, actor: Actor): Promise<Offer> {
    const offer = await this.db.transaction(async (m) => {
      const o = await this.pending(m, id, actor, 'approve');
      await this.decide(
        m,
        o,
        'approve',
        actor,
        {
          approved_liability_pence: o.liabilityPence,
          approved_by: actor.id ?? null,
          approved_at: sqlValue('now()'),
        },
        { liabilityPence: o.liabilityPence },
      );
      return this.offers.get(m, id);
    });
    if (offer.mode === 'auto')
      await this.applier.enqueueApply(offer, `approved-${offer.approvedAt!.getTime()}`);
    return offer;
  }

  /** Terminal: a rejected offer is never shown, claimed or applied; the reason stays on it. */
  async reject(id: string, reason: string, actor: Actor): Promise<Offer> {
    return this.db.transaction(async (m) => {
      const o = await this.pending(m, id, actor, 'reject');
      await this.decide(
        m,
        o,
        'reject',
        actor,
        { rejected_reason: reason, rejected_by: actor.id!, rejected_at: this.clock.now() },
        { reason, liabilityPence: o.liabilityPence, author: o.createdBy },
      );
      return this.offers.get(m, id);
    });
  }

  /** The offer, locked, when it waits for a decision this actor may take. */
  private async pending(
    m: EntityManager,
    id: string,
    actor: Actor,
    event: OfferApprovalEvent,
  ): Promise<Offer> {
    const o = await this.offers.findForUpdate(m, id);
    if (!o) throw new NotFound('No such offer');
    if (!offerApprovalMachine.next(o.approvalStatus, event))
      throw new Conflict(`This offer does not wait for approval (it is ${o.approvalStatus})`);
    if (o.createdBy === actor.id) throw new Forbidden(`A second person must ${event} this offer`);
    return o;
  }

  /** The decision on a locked pending offer: the move, its fields and its audit row, by `changeState`. */
  private async decide(
    m: EntityManager,
    o: Offer,
    event: OfferApprovalEvent,
    actor: Actor,
    set: Record<string, unknown>,
    summary: Record<string, unknown>,
  ): Promise<void> {
    const moved = await changeState(m, this.audit, {
      table: 'offers',
      id: o.id,
      column: 'approval_status',
      from: o.approvalStatus,
      to: offerApprovalMachine.next(o.approvalStatus, event)!,
      set,
      audit: { actor, action: `offer.${event}`, targetType: 'offer', summary },
    });
    // the row is locked and was pending: nothing else can have moved it
    if (!moved) throw new Conflict('The offer changed meanwhile; nothing was done');
  }
}
