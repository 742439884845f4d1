import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { describeBenefit } from './offer-rules';
import { Offer } from './offer.entity';

export interface ClaimToConfirm {
  claimId: string;
  subscriberId: string;
  offer: Offer;
}

/**
 * The one place claim confirmations leave this module: an SMS (and an email when we have an address) through
 * the notifications pipeline, queued in the claim's own transaction, deduplicated per claim and channel.
 */
@Injectable()
export class ClaimNotifier {
  private readonly logger = new Logger(ClaimNotifier.name);

  async confirm(_m: EntityManager, claims: ClaimToConfirm[]): Promise<void> {
    // Until the notifications module lands, confirmations are only logged (by id, never by number).
    for (const c of claims)
      this.logger.debug(
        `claim ${c.claimId} confirmed: ${describeBenefit(c.offer.kind, c.offer.value, c.offer.benefit)}`,
      );
  }
}
