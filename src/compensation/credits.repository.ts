import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { Credit, CreditStatus } from './credit.entity';

/** A credit about to be issued (goodwill from an agent, or an offer claim). */
export interface NewCredit {
  id: string;
  subscriberId: string;
  amountPence: number;
  source: 'goodwill' | 'offer';
  offerId?: string | null;
  claimId?: string | null;
  reasonCode: string;
  note?: string | null;
  requestedBy?: string | null;
}

/** Goodwill asked for since a time (pending or issued), for one customer and by one agent. */
export interface GoodwillSoFar {
  customerPence: number;
  agentPence: number;
}

export interface Reversal {
  reversalEntryId: string;
  reversedBy: string | null | undefined;
  reversalReason: string;
  reversedAt: Date;
}

/** Advisory-lock namespace of this module (first key of the two-key form). */
const LOCK_NAMESPACE = 6;

/** The credits table's SQL; issuing is bulk (one statement for any number of credits). */
@Injectable()
export class CreditsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Serialises the transactions that take the same key until they end (transaction-scoped). */
  async lockKey(m: EntityManager, key: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_NAMESPACE, key]);
  }

  async subscriberExists(m: EntityManager, subscriberId: string): Promise<boolean> {
    const [row] = await m.query<unknown[]>(`SELECT 1 FROM subscribers WHERE id = $1`, [subscriberId]);
    return !!row;
  }

  async goodwillSince(
    m: EntityManager,
    subscriberId: string,
    agentId: string | undefined,
    since: Date,
  ): Promise<GoodwillSoFar> {
    const [row] = await m.query<GoodwillSoFar[]>(
      `SELECT coalesce(sum(amount_pence) FILTER (WHERE subscriber_id = $1), 0)::int AS "customerPence",
              coalesce(sum(amount_pence) FILTER (WHERE requested_by = $3), 0)::int AS "agentPence"
       FROM credits
       WHERE (subscriber_id = $1 OR requested_by = $3) AND source = 'goodwill' AND status <> 'rejected'
         AND created_at >= $2`,
      [subscriberId, since, agentId],
    );
    return row;
  }

  /** Issued credits, each with its ledger entry (`entryIds[i]` for `credits[i]`), in one statement. */
  async insertIssued(m: EntityManager, credits: NewCredit[], entryIds: string[], createdAt: Date) {
    const col = <K extends keyof NewCredit>(k: K) => credits.map((c) => c[k] ?? null);
    await m.query(
      `INSERT INTO credits (id, subscriber_id, amount_pence, source, offer_id, claim_id, reason_code, note,
                            requested_by, entry_id, status, created_at)
       SELECT u.*, 'issued', $11::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::uuid[], $6::uuid[],
                                        $7::text[], $8::text[], $9::uuid[], $10::uuid[])
         AS u(id, subscriber_id, amount_pence, source, offer_id, claim_id, reason_code, note, requested_by, entry_id)`,
      [
        col('id'),
        col('subscriberId'),
        col('amountPence'),
        col('source'),
        col('offerId'),
        col('claimId'),
        col('reasonCode'),
        col('note'),
        col('requestedBy'),
        entryIds,
        createdAt,
      ],
    );
  }

  async insertPending(m: EntityManager, credit: NewCredit, createdAt: Date): Promise<void> {
    await m.insert(Credit, { ...credit, status: 'pending_approval' as CreditStatus, createdAt });
  }

  /** The credit, locked for the rest of the transaction, or null. */
  findForUpdate(m: EntityManager, id: string): Promise<Credit | null> {
    return m.findOne(Credit, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  get(m: EntityManager, id: string): Promise<Credit> {
    return m.findOneByOrFail(Credit, { id });
  }

  async recordReversal(m: EntityManager, id: string, reversal: Reversal): Promise<void> {
    await m.update(Credit, { id }, reversal);
  }

  findById(id: string): Promise<Credit | null> {
    return this.db.getRepository(Credit).findOne({ where: { id } });
  }

  list(filter: { subscriberId?: string; status?: CreditStatus; limit?: number }): Promise<Credit[]> {
    const where: FindOptionsWhere<Credit> = {};
    if (filter.subscriberId) where.subscriberId = filter.subscriberId;
    if (filter.status) where.status = filter.status;
    return this.db
      .getRepository(Credit)
      .find({ where, order: { createdAt: 'DESC' }, take: filter.limit ?? 50 });
  }
}
