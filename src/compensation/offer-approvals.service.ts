import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { Actor } from '../platform/http/actor';
import { Conflict, Forbidden, NotFound } from '../platform/http/domain-error';
import { OfferApplyService } from './offer-apply.service';
import { Offer } from './offer.entity';

/**
 * The second supervisor's decision on a credit offer that waits (F1): approve it (an auto offer then applies)
 * or reject it with a reason, for good. Never its author; the offer row is locked, so two deciders at once
 * see each other's decision and one of them gets 409.
 */
@Injectable()
export class OfferApprovalsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly applier: OfferApplyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async approve(id: string, actor: Actor): Promise<Offer> {
    const offer = await this.db.transaction(async (m) => {
      const o = await this.pending(m, id, actor, 'approve');
      await m.update(
        Offer,
        { id },
        {
          approvalStatus: 'approved',
          approvedLiabilityPence: o.liabilityPence,
          approvedBy: actor.id ?? null,
          approvedAt: () => 'now()',
        },
      );
      await this.record(m, actor, 'approve', id, { liabilityPence: o.liabilityPence });
      return m.findOneByOrFail(Offer, { id });
    });
    if (offer.mode === 'auto')
      await this.applier.enqueueApply(offer, `approved-${offer.approvedAt!.getTime()}`);
    return offer;
  }

  /** Terminal: a rejected offer is never shown, claimed or applied; the reason stays on it. */
  async reject(id: string, reason: string, actor: Actor): Promise<Offer> {
    return this.db.transaction(async (m) => {
      const o = await this.pending(m, id, actor, 'reject');
      await m.update(
        Offer,
        { id },
        {
          approvalStatus: 'rejected',
          rejectedReason: reason,
          rejectedBy: actor.id!,
          rejectedAt: this.clock.now(),
        },
      );
      await this.record(m, actor, 'reject', id, {
        reason,
        liabilityPence: o.liabilityPence,
        author: o.createdBy,
      });
      return m.findOneByOrFail(Offer, { id });
    });
  }

  /** The offer, locked, when it waits for a decision this actor may take. */
  private async pending(m: EntityManager, id: string, actor: Actor, what: string): Promise<Offer> {
    const o = await m.findOne(Offer, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!o) throw new NotFound('No such offer');
    if (o.approvalStatus !== 'pending')
      throw new Conflict(`This offer does not wait for approval (it is ${o.approvalStatus})`);
    if (o.createdBy === actor.id) throw new Forbidden(`A second person must ${what} this offer`);
    return o;
  }

  private record(m: EntityManager, actor: Actor, what: string, id: string, summary: Record<string, unknown>) {
    return this.audit.record(m, actor, {
      action: `offer.${what}`,
      targetType: 'offer',
      targetId: id,
      summary,
    });
  }
}
