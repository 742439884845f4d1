import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Offer } from './offer.entity';

/** A new claim: who it is for. */
export interface NewClaim {
  id: string;
  subscriberId: string;
}

/** Who a claim confirmation goes to. */
export interface ClaimRecipient {
  id: string;
  msisdn: string;
  email: string | null;
  firstName: string | null;
  locale: string;
}

/** The subscribers an offer is for: everyone, or its list (selecting `subscriber_id`; `$1` the offer). */
const eligibleSource = (offer: Pick<Offer, 'eligibility'>) =>
  offer.eligibility === 'all'
    ? `SELECT id AS subscriber_id FROM subscribers`
    : `SELECT subscriber_id FROM offer_eligible WHERE offer_id = $1`;

/** Claims (`offer_claims`, once per offer and person: a unique constraint) and who they confirm to. */
@Injectable()
export class OfferClaimsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A customer's claim, or null when they already have one. */
  async insert(
    m: EntityManager,
    offerId: string,
    subscriberId: string,
    channel: 'web' | 'sms',
  ): Promise<{ id: string; createdAt: Date } | null> {
    const [claim] = await m.query<Array<{ id: string; createdAt: Date }>>(
      `INSERT INTO offer_claims (offer_id, subscriber_id, channel) VALUES ($1, $2, $3)
       ON CONFLICT ON CONSTRAINT offer_claims_once DO NOTHING RETURNING id, created_at AS "createdAt"`,
      [offerId, subscriberId, channel],
    );
    return claim ?? null;
  }

  /** Claims for up to `limit` eligible people who have none yet (an auto offer), in one statement. */
  insertAutoBatch(
    m: EntityManager,
    offer: Pick<Offer, 'id' | 'eligibility'>,
    limit: number,
  ): Promise<NewClaim[]> {
    return m.query<NewClaim[]>(
      `INSERT INTO offer_claims (offer_id, subscriber_id, channel)
       SELECT $1, e.subscriber_id, 'auto' FROM (${eligibleSource(offer)}) e
       WHERE NOT EXISTS (SELECT 1 FROM offer_claims c WHERE c.offer_id = $1 AND c.subscriber_id = e.subscriber_id)
       LIMIT $2
       ON CONFLICT ON CONSTRAINT offer_claims_once DO NOTHING RETURNING id, subscriber_id AS "subscriberId"`,
      [offer.id, limit],
    );
  }

  /**
   * Marks an auto offer applied only if nobody eligible is left unclaimed: a list uploaded while the run was
   * finishing (its reset of applied_at committed before this UPDATE) leaves the offer to the upload's own job.
   */
  async markAppliedIfComplete(offer: Pick<Offer, 'id' | 'eligibility'>, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE offers SET applied_at = $2 WHERE id = $1 AND applied_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM (${eligibleSource(offer)}) e WHERE NOT EXISTS
           (SELECT 1 FROM offer_claims c WHERE c.offer_id = $1 AND c.subscriber_id = e.subscriber_id))`,
      [offer.id, at],
    );
  }

  /** The subscribers to confirm claims to (in the claim's transaction). */
  recipients(m: EntityManager, subscriberIds: string[]): Promise<ClaimRecipient[]> {
    return m.query<ClaimRecipient[]>(
      `SELECT id, msisdn, email, first_name AS "firstName", locale FROM subscribers WHERE id = ANY($1::uuid[])`,
      [subscriberIds],
    );
  }
}
