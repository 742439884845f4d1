import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotificationsService } from '../notifications/notifications.service';
import { COMPENSATION_KINDS } from './compensation-messages';
import { OfferClaimsRepository } from './offer-claims.repository';
import { describeBenefit } from './offer-rules';
import { Offer } from './offer.entity';

export interface ClaimToConfirm {
  claimId: string;
  subscriberId: string;
  offer: Offer;
}

/**
 * The one place claim confirmations leave this module: an SMS, and an email when we have an address, through
 * the notifications pipeline, queued in the claim's own transaction (no claim, no message; no message lost),
 * deduplicated per claim and channel. Opt-outs are the pipeline's business (it gets the subscriber id).
 */
@Injectable()
export class ClaimNotifier {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly claims: OfferClaimsRepository,
  ) {}

  async confirm(m: EntityManager, claims: ClaimToConfirm[]): Promise<void> {
    if (!claims.length) return;
    const rows = await this.claims.recipients(
      m,
      claims.map((c) => c.subscriberId),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const c of claims) {
      const s = byId.get(c.subscriberId);
      if (!s) continue;
      const locale = s.locale === 'cy' ? 'cy' : 'en';
      const vars = {
        firstName: s.firstName ?? (locale === 'cy' ? 'gwsmer' : 'customer'),
        offerName: c.offer.name,
        benefit: describeBenefit(c.offer.kind, c.offer.value, c.offer.benefit, locale),
      };
      const kind: keyof typeof COMPENSATION_KINDS = 'compensation-claimed';
      const base = { kind, locale, vars, subscriberId: s.id };
      await this.notifications.queue(m, {
        ...base,
        channel: 'sms',
        to: s.msisdn,
        dedupeKey: `claim:${c.claimId}:sms`,
      });
      if (s.email)
        await this.notifications.queue(m, {
          ...base,
          channel: 'email',
          to: s.email,
          dedupeKey: `claim:${c.claimId}:email`,
        });
    }
  }
}
