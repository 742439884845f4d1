import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import { LIVE_APPROVALS } from './offer-rules';
import { Offer } from './offer.entity';

/** An offer customers may see and claim (`isLive`), as the condition on an offer aliased `o`. */
const LIVE = `o.approval_status IN (${LIVE_APPROVALS.map((a) => `'${a}'`).join(', ')})`;

/** The SQL condition "subscriber :sub may see offer o". */
const ELIGIBLE = `(o.eligibility = 'all' OR EXISTS (
  SELECT 1 FROM offer_eligible e WHERE e.offer_id = o.id AND e.subscriber_id = :sub))`;

/** An offer as a customer sees it, with their claim if they made one. */
export interface CustomerOffer {
  offer: Offer;
  claimId: string | null;
  claimedAt: Date | null;
}

/** Offers and their eligibility lists (`offer_eligible`). */
@Injectable()
export class OffersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  insert(m: EntityManager, fields: DeepPartial<Offer>): Promise<Offer> {
    return m.save(m.create(Offer, fields));
  }

  /** Everyone in a staged audience table (a name the audience port gave, not user input) becomes eligible. */
  async addEligibleFromTable(m: EntityManager, offerId: string, table: string): Promise<void> {
    await m.query(
      `INSERT INTO offer_eligible (offer_id, subscriber_id)
       SELECT $1::uuid, a.subscriber_id FROM ${table} a ON CONFLICT DO NOTHING`,
      [offerId],
    );
  }

  /**
   * A batch of an uploaded list: values are numbers (matched by their HMAC) or account ids. matched = values
   * naming a subscriber; added = new eligibility rows.
   */
  async addEligibleBatch(
    m: EntityManager,
    offerId: string,
    values: string[],
    hmacs: Array<string | null>,
  ): Promise<{ matched: number; added: number }> {
    const [r] = await m.query<Array<{ matched: number; added: number }>>(
      `WITH v AS (SELECT * FROM unnest($2::text[], $3::text[]) AS v(value, hmac)),
            hits AS (SELECT v.value, s.id FROM v JOIN subscribers s ON s.msisdn_hmac = v.hmac OR s.account_id = v.value),
            ins AS (INSERT INTO offer_eligible (offer_id, subscriber_id) SELECT DISTINCT $1::uuid, id FROM hits
                    ON CONFLICT DO NOTHING RETURNING 1)
       SELECT (SELECT count(*) FROM v WHERE value IN (SELECT value FROM hits))::int AS matched,
              (SELECT count(*) FROM ins)::int AS added`,
      [offerId, values, hmacs],
    );
    return r;
  }

  /** How many people may claim: every subscriber, or the offer's list. */
  async countEligible(m: EntityManager, offer: Pick<Offer, 'id' | 'eligibility'>): Promise<number> {
    const [{ n }] =
      offer.eligibility === 'all'
        ? await m.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM subscribers`)
        : await m.query<Array<{ n: number }>>(
            `SELECT count(*)::int AS n FROM offer_eligible WHERE offer_id = $1`,
            [offer.id],
          );
    return n;
  }

  async update(m: EntityManager, id: string, fields: Partial<Offer>): Promise<void> {
    await m.update(Offer, { id }, fields);
  }

  list(limit: number): Promise<Offer[]> {
    return this.db.getRepository(Offer).find({ order: { createdAt: 'DESC' }, take: limit });
  }

  findById(id: string): Promise<Offer | null> {
    return this.db.getRepository(Offer).findOneBy({ id });
  }

  get(m: EntityManager, id: string): Promise<Offer> {
    return m.findOneByOrFail(Offer, { id });
  }

  /** The offer, locked for the rest of the transaction, or null. */
  findForUpdate(m: EntityManager, id: string): Promise<Offer | null> {
    return m.findOne(Offer, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** The offer, locked for the rest of the transaction (it must exist). */
  getForUpdate(m: EntityManager, id: string): Promise<Offer> {
    return m.findOneOrFail(Offer, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** The offers a subscriber may see (eligible, live) that are open, or that they claimed, by closing time. */
  async listForCustomer(subscriberId: string, now: Date): Promise<CustomerOffer[]> {
    const rows = await this.db
      .getRepository(Offer)
      .createQueryBuilder('o')
      .leftJoin('offer_claims', 'c', 'c.offer_id = o.id AND c.subscriber_id = :sub', { sub: subscriberId })
      .addSelect(['c.id AS claim_id', 'c.created_at AS claimed_at'])
      .where(ELIGIBLE, { sub: subscriberId })
      .andWhere(LIVE)
      .andWhere('(o.claim_closes_at > :now OR c.id IS NOT NULL)', { now })
      .orderBy('o.claim_closes_at')
      .getRawAndEntities<{ claim_id: string | null; claimed_at: Date | null }>();
    return rows.entities.map((offer, i) => ({
      offer,
      claimId: rows.raw[i].claim_id ?? null,
      claimedAt: rows.raw[i].claimed_at ?? null,
    }));
  }

  /** The offer if it is live and this subscriber is eligible for it (whatever its window), or null. */
  findClaimable(m: EntityManager, offerId: string, subscriberId: string): Promise<Offer | null> {
    return m
      .getRepository(Offer)
      .createQueryBuilder('o')
      .where('o.id = :offerId', { offerId })
      .andWhere(ELIGIBLE, { sub: subscriberId })
      .andWhere(LIVE)
      .getOne();
  }

  /** The offer with this keyword (already normalised to upper case), or null. */
  findByKeyword(keyword: string): Promise<Offer | null> {
    return this.db
      .getRepository(Offer)
      .createQueryBuilder('o')
      .where('upper(o.keyword) = :kw', { kw: keyword })
      .getOne();
  }

  /** Live auto offers open at `now` and not yet applied. */
  openUnappliedAuto(now: Date): Promise<Offer[]> {
    return this.db
      .getRepository(Offer)
      .createQueryBuilder('o')
      .where(
        `o.mode = 'auto' AND o.applied_at IS NULL AND ${LIVE}
         AND o.claim_opens_at <= :now AND o.claim_closes_at > :now`,
        { now },
      )
      .getMany();
  }
}
