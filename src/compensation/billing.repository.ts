import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Writable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { copyCsvOut } from '../platform/database/copy-out';
import { BillingEvent, BillingOutbox } from './billing-outbox.entity';

/** The billing outbox's SQL: rows written with their credits, delivery bookkeeping, the CSV export. */
@Injectable()
export class BillingRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * One row per credit for this event (once only: a unique constraint), its payload built from the credit
   * and its subscriber in the same statement; `sign` is -1 for a reversal. Answers the new row ids.
   */
  async insertForCredits(
    m: EntityManager,
    event: BillingEvent,
    creditIds: string[],
    sign: 1 | -1,
    at: Date,
  ): Promise<string[]> {
    const rows = await m.query<Array<{ id: string }>>(
      `INSERT INTO billing_outbox (event_type, credit_id, payload, created_at)
       SELECT $1, c.id, jsonb_build_object(
         'creditId', c.id, 'accountId', s.account_id, 'amountPence', $3::int * c.amount_pence, 'currency', 'GBP',
         'source', c.source, 'offerId', c.offer_id, 'reasonCode', c.reason_code,
         'at', to_char($4::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), $4
       FROM credits c JOIN subscribers s ON s.id = c.subscriber_id
       WHERE c.id = ANY($2::uuid[])
       ON CONFLICT ON CONSTRAINT billing_outbox_once DO NOTHING
       RETURNING id`,
      [event, creditIds, sign, at],
    );
    return rows.map((r) => String(r.id));
  }

  findById(id: string): Promise<BillingOutbox | null> {
    return this.db.getRepository(BillingOutbox).findOne({ where: { id } });
  }

  /** A failed attempt on a pending row; on the final one the row is dead. */
  async recordFailure(id: string, message: string, finalAttempt: boolean): Promise<void> {
    await this.db.query(
      `UPDATE billing_outbox SET attempts = attempts + 1, last_error = $2,
         status = CASE WHEN $3::boolean THEN 'dead' ELSE status END
       WHERE id = $1 AND status = 'pending'`,
      [id, message, finalAttempt],
    );
  }

  async recordDelivered(id: string): Promise<void> {
    await this.db.query(
      `UPDATE billing_outbox SET status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id],
    );
  }

  /** Pending rows written more than a minute before `now` (at most 5000, oldest first). */
  async pendingIdsBefore(now: Date): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT id FROM billing_outbox WHERE status = 'pending' AND created_at < $1::timestamptz - interval '1 minute'
       ORDER BY id LIMIT 5000`,
      [now],
    );
    return rows.map((r) => String(r.id));
  }

  list(status: BillingOutbox['status'] | undefined, limit: number): Promise<BillingOutbox[]> {
    return this.db.getRepository(BillingOutbox).find({
      where: status ? { status } : {},
      order: { id: 'DESC' },
      take: limit,
    });
  }

  exists(m: EntityManager, id: string): Promise<boolean> {
    return m.getRepository(BillingOutbox).exists({ where: { id } });
  }

  get(m: EntityManager, id: string): Promise<BillingOutbox> {
    return m.getRepository(BillingOutbox).findOneByOrFail({ id });
  }

  /** Every row created in [from, to) as CSV, streamed (COPY). */
  exportCsv(from: Date, to: Date, out: Writable): Promise<void> {
    return copyCsvOut(
      this.db,
      `SELECT o.id AS delivery_id, o.event_type, o.payload->>'creditId' AS credit_id,
              o.payload->>'accountId' AS account_id, (o.payload->>'amountPence')::int AS amount_pence,
              o.payload->>'currency' AS currency, o.payload->>'source' AS source,
              o.payload->>'reasonCode' AS reason_code, o.payload->>'offerId' AS offer_id,
              to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at
       FROM billing_outbox o WHERE o.created_at >= $1 AND o.created_at < $2 ORDER BY o.id`,
      [from, to],
      out,
    );
  }
}
