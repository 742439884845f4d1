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
import { isLive, LIVE_SQL, windowState } from './offer-rules';
import { Offer } from './offer.entity';

/** Rows per transaction when applying an auto offer. */
const BATCH = 1000;

/** What every claim issues (a credit, a confirmation), and auto offers applied to everyone eligible. */
@Injectable()
export class OfferApplyService {
  private readonly logger = new Logger(OfferApplyService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly work: DurableWork,
    private readonly credits: CreditsService,
    private readonly billing: BillingService,
    private readonly notifier: ClaimNotifier,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Credits (for credit offers) and confirmations for new claims; returns billing outbox ids. */
  async issueFor(m: EntityManager, offer: Offer, claims: Array<{ id: string; subscriber_id: string }>) {
    const outboxIds =
      offer.kind === 'credit'
        ? await this.credits.insertIssued(
            m,
            claims.map((c) => ({
              id: randomUUID(),
              subscriberId: c.subscriber_id,
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
      claims.map((c) => ({ claimId: c.id, subscriberId: c.subscriber_id, offer })),
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
    const offer = await this.db.getRepository(Offer).findOneBy({ id: offerId });
    if (!offer || offer.mode !== 'auto' || offer.appliedAt || !isLive(offer.approvalStatus)) return 0;
    if (windowState(offer.claimOpensAt, offer.claimClosesAt, this.clock.now()) !== 'open') return 0;
    const source =
      offer.eligibility === 'all'
        ? `SELECT id AS subscriber_id FROM subscribers`
        : `SELECT subscriber_id FROM offer_eligible WHERE offer_id = $1`;
    let total = 0;
    for (;;) {
      let outboxIds: string[] = [];
      const n = await this.db.transaction(async (m) => {
        const claims = await m.query(
          `INSERT INTO offer_claims (offer_id, subscriber_id, channel)
           SELECT $1, e.subscriber_id, 'auto' FROM (${source}) e
           WHERE NOT EXISTS (SELECT 1 FROM offer_claims c WHERE c.offer_id = $1 AND c.subscriber_id = e.subscriber_id)
           LIMIT $2
           ON CONFLICT ON CONSTRAINT offer_claims_once DO NOTHING RETURNING id, subscriber_id`,
          [offerId, BATCH],
        );
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
    // Applied only if nobody eligible is left unclaimed: a list uploaded while this run was finishing (its
    // reset of applied_at committed before this UPDATE) leaves the offer to the upload's own job.
    await this.db.query(
      `UPDATE offers SET applied_at = $2 WHERE id = $1 AND applied_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM (${source}) e WHERE NOT EXISTS
           (SELECT 1 FROM offer_claims c WHERE c.offer_id = $1 AND c.subscriber_id = e.subscriber_id))`,
      [offerId, this.clock.now()],
    );
    return total;
  }

  /** Re-drive: auto offers that are open but not applied (their job was lost, or failed) get a job again. */
  async redrive(): Promise<number> {
    const now = this.clock.now();
    const rows = await this.db
      .getRepository(Offer)
      .createQueryBuilder('o')
      .where(
        `o.mode = 'auto' AND o.applied_at IS NULL AND ${LIVE_SQL}
         AND o.claim_opens_at <= :now AND o.claim_closes_at > :now`,
        { now },
      )
      .getMany();
    return this.work.ensureJobs(
      'offer.apply',
      rows.map((o) => this.applyJob(o, 'redrive')),
    );
  }
}
