import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { Actor } from '../platform/http/actor';
import { Conflict, NotFound, Unprocessable } from '../platform/http/domain-error';
import { requestHash } from '../platform/http/idempotency';
import { IdempotencyService } from '../platform/http/idempotency.service';
import { SubscribersService } from '../subscribers/subscribers.service';
import { BillingService } from './billing.service';
import { OfferApplyService } from './offer-apply.service';
import { OfferClaimsRepository } from './offer-claims.repository';
import { describeBenefit, normaliseKeyword, windowState } from './offer-rules';
import { OffersRepository } from './offers.repository';

export type KeywordOutcome =
  'claimed' | 'already_claimed' | 'not_eligible' | 'window_closed' | 'unknown_keyword' | 'unknown_subscriber';

/** The customer's side of offers: the ones they may see, and claiming one (on the web or by SMS keyword). */
@Injectable()
export class OfferClaimsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly offers: OffersRepository,
    private readonly claims: OfferClaimsRepository,
    private readonly applier: OfferApplyService,
    private readonly billing: BillingService,
    private readonly idempotency: IdempotencyService,
    private readonly subscribers: SubscribersService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** The offers a customer may see: eligible, and open or already claimed by them. */
  async listForCustomer(subscriberId: string) {
    const now = this.clock.now();
    const rows = await this.offers.listForCustomer(subscriberId, now);
    return rows.map(({ offer: o, claimId, claimedAt }) => ({
      id: o.id,
      name: o.name,
      kind: o.kind,
      value: o.value,
      benefit: describeBenefit(o.kind, o.value, o.benefit),
      claimOpensAt: o.claimOpensAt,
      claimClosesAt: o.claimClosesAt,
      window: windowState(o.claimOpensAt, o.claimClosesAt, now),
      mode: o.mode,
      keyword: o.keyword,
      claimId,
      claimedAt,
    }));
  }

  /**
   * A customer claims an offer: once only (a unique constraint), inside its window, only if eligible (an
   * offer they are not eligible for is "not found", whoever else it belongs to). With an Idempotency-Key a
   * retry replays the first answer instead of "already claimed".
   */
  async claim(offerId: string, subscriberId: string, channel: 'web' | 'sms', actor: Actor, key?: string) {
    let outboxIds: string[] = [];
    const work = async (m: EntityManager) => {
      const r = await this.claimIn(m, offerId, subscriberId, channel, actor);
      outboxIds = r.outboxIds;
      return { status: 201, body: r.claim };
    };
    let result;
    if (key === undefined) {
      result = { ...(await this.db.transaction(work)), replayed: false };
    } else {
      result = await this.idempotency.run(
        `offer.claim:${subscriberId}`,
        key,
        requestHash('offer.claim', { offerId }),
        work,
      );
    }
    await this.billing.enqueue(outboxIds);
    return result;
  }

  private async claimIn(
    m: EntityManager,
    offerId: string,
    subscriberId: string,
    channel: 'web' | 'sms',
    actor: Actor,
  ) {
    const offer = await this.offers.findClaimable(m, offerId, subscriberId);
    if (!offer) throw new NotFound('No such offer for you');
    const state = windowState(offer.claimOpensAt, offer.claimClosesAt, this.clock.now());
    if (state === 'not_open')
      throw new Unprocessable(`This offer opens for claims at ${offer.claimOpensAt.toISOString()}`);
    if (state === 'closed')
      throw new Unprocessable(`The claim window closed at ${offer.claimClosesAt.toISOString()}`);
    const claim = await this.claims.insert(m, offerId, subscriberId, channel);
    if (!claim) throw new Conflict('You have already claimed this offer');
    const outboxIds = await this.applier.issueFor(m, offer, [{ id: claim.id, subscriberId }]);
    await this.audit.record(m, actor, {
      action: 'offer.claim',
      targetType: 'offer',
      targetId: offerId,
      summary: { claimId: claim.id, channel },
    });
    return {
      outboxIds,
      claim: {
        claimId: claim.id,
        offerId,
        channel,
        claimedAt: claim.createdAt,
        benefit: describeBenefit(offer.kind, offer.value, offer.benefit),
      },
    };
  }

  /**
   * A reply to an offer SMS: the first word is the offer's keyword. Called by the notifications module's
   * inbound-SMS webhook with the sender's E.164 number; the outcome tells it what to answer.
   */
  async claimByKeyword(
    msisdnE164: string,
    keyword: string,
  ): Promise<{ outcome: KeywordOutcome; offerId?: string; claimId?: string }> {
    const subscriber = await this.subscribers.findByMsisdn(msisdnE164);
    if (!subscriber) return { outcome: 'unknown_subscriber' };
    const offer = await this.offers.findByKeyword(normaliseKeyword(keyword));
    if (!offer) return { outcome: 'unknown_keyword' };
    try {
      const r = await this.claim(offer.id, subscriber.id, 'sms', { type: 'customer', id: subscriber.id });
      return { outcome: 'claimed', offerId: offer.id, claimId: (r.body as { claimId: string }).claimId };
    } catch (e) {
      const outcome: KeywordOutcome | null =
        e instanceof NotFound
          ? 'not_eligible'
          : e instanceof Conflict
            ? 'already_claimed'
            : e instanceof Unprocessable
              ? 'window_closed'
              : null;
      if (!outcome) throw e;
      return { outcome, offerId: offer.id };
    }
  }
}
