import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { DurableWork } from '../platform/queue/durable-work';
import { BillingService } from './billing.service';
import { ClaimNotifier } from './claim-notifier';
import { CreditsService } from './credits.service';
import { isLive, windowState } from './offer-rules';
import { NewClaim, OfferClaimsRepository } from './offer-claims.repository';
import { OffersRepository } from './offers.repository';
import { Offer } from './offer.entity';

/** Rows per transaction when applying an auto offer. */
const BATCH = 1000;

/** What every claim issues (a credit, a confirmation), and auto offers applied to everyone eligible. */
@Injectable()
export class OfferApplyService {
  private readonly logger = new Logger(OfferApplyService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly offers: OffersRepository,
    private readonly claims: OfferClaimsRepository,
    private readonly work: DurableWork,
    private readonly credits: CreditsService,
    private readonly billing: BillingService,
    private readonly notifier: ClaimNotifier,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Credits (for credit offers) and confirmations for new claims; returns billing outbox ids. */
  async issueFor(m: EntityManager, offer: Offer, claims: NewClaim[]) {
    const outboxIds =
      offer.kind === 'credit'
        ? await this.credits.insertIssued(
            m,
            claims.map((c) => ({
              id: randomUUID(),
              subscriberId: c.subscriberId,
              amountPence: offer.value!,
              source: 'offer' as const,
              offerId: offer.id,
              claimId: c.id,
              reasonCode: 'offer',
            })),
          )
        : [];
    await this.notifier.confirm(
      m,
      claims.map((c) => ({ claimId: c.id, subscriberId: c.subscriberId, offer })),
    );
    return outboxIds;
  }

  /** The offer is saved; a failed add (Redis down) is logged and left to the re-drive rule. */
  async enqueueApply(offer: Offer, tag: string): Promise<void> {
    await this.work
      .add('offer.apply', this.applyJob(offer, tag))
      .catch((e) =>
        this.logger.warn(`offer ${offer.id}: job not added (${e.message}); the sweep will add it`),
      );
  }

  private applyJob(offer: Offer, tag: string) {
    return {
      data: { offerId: offer.id },
      jobId: `offer-${offer.id}-${tag}`,
      delay: offer.claimOpensAt.getTime() - this.clock.now().getTime(),
    };
  }

  /**
   * Job handler for auto-apply offers: claims the offer for everyone eligible who has no claim yet, a batch
   * per transaction. Safe to run twice or concurrently: the unique claim decides who gets a credit.
   */
  async applyAuto(offerId: string): Promise<number> {
    const offer = await this.offers.findById(offerId);
    if (!offer || offer.mode !== 'auto' || offer.appliedAt || !isLive(offer.approvalStatus)) return 0;
    if (windowState(offer.claimOpensAt, offer.claimClosesAt, this.clock.now()) !== 'open') return 0;
    let total = 0;
    for (;;) {
      let outboxIds: string[] = [];
      const n = await this.db.transaction(async (m) => {
        const claims = await this.claims.insertAutoBatch(m, offer, BATCH);
        if (!claims.length) return 0;
        outboxIds = await this.issueFor(m, offer, claims);
        await this.audit.record(m, SYSTEM_ACTOR, {
          action: 'offer.auto_apply',
          targetType: 'offer',
          targetId: offerId,
          summary: { claims: claims.length },
        });
        return claims.length;
      });
      await this.billing.enqueue(outboxIds);
      total += n;
      if (n === 0) break;
    }
    await this.claims.markAppliedIfComplete(offer, this.clock.now());
    return total;
  }

  /** Re-drive: auto offers that are open but not applied (their job was lost, or failed) get a job again. */
  async redrive(): Promise<number> {
    const rows = await this.offers.openUnappliedAuto(this.clock.now());
    return this.work.ensureJobs(
      'offer.apply',
      rows.map((o) => this.applyJob(o, 'redrive')),
    );
  }
}
