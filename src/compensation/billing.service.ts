import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Writable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { copyCsvOut } from '../platform/database/copy-out';
import { DurableWork } from '../platform/queue/durable-work';
import { BillingEvent, BillingOutbox } from './billing-outbox.entity';
import { SIGNATURE_HEADER, signPayload } from './billing-signature';
import { Conflict, NotFound } from '../platform/http/domain-error';

export const DELIVERY_HEADER = 'candor-delivery';

/**
 * The billing hand-off. A row per (event, credit) is written in the credit's own transaction (a unique
 * constraint makes it once only); a job then POSTs it, signed, to the operator's billing webhook, with
 * exponential backoff; rows that exhaust their attempts are "dead" until staff retry them. The receiver gets
 * a delivery id (the row id) to drop the rare duplicate (a crash between its 2xx and our bookkeeping).
 * Without a webhook URL the rows are the CSV export's source.
 */
@Injectable()
export class BillingService {
  private readonly logger = new Logger(BillingService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly work: DurableWork,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Adds outbox rows for these credits (in the caller's transaction); returns the new row ids. */
  async record(m: EntityManager, event: BillingEvent, creditIds: string[]): Promise<string[]> {
    if (!creditIds.length) return [];
    const sign = event === 'credit.reversed' ? -1 : 1;
    const rows = await m.query(
      // created_at on the Clock: the export's period and the re-drive sweep compare it with Clock times
      `INSERT INTO billing_outbox (event_type, credit_id, payload, created_at)
       SELECT $1, c.id, jsonb_build_object(
         'creditId', c.id, 'accountId', s.account_id, 'amountPence', $3::int * c.amount_pence, 'currency', 'GBP',
         'source', c.source, 'offerId', c.offer_id, 'reasonCode', c.reason_code,
         'at', to_char($4::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), $4
       FROM credits c JOIN subscribers s ON s.id = c.subscriber_id
       WHERE c.id = ANY($2::uuid[])
       ON CONFLICT ON CONSTRAINT billing_outbox_once DO NOTHING
       RETURNING id`,
      [event, creditIds, sign, this.clock.now()],
    );
    return rows.map((r: { id: string }) => String(r.id));
  }

  /**
   * After commit: one delivery job per row (no-op without a webhook URL). A failed add (Redis down) is logged,
   * not thrown: the credit is what the caller asked for, and the re-drive rule delivers the row later.
   */
  async enqueue(outboxIds: string[], retryTag = ''): Promise<void> {
    if (!this.config.billing.webhookUrl || !outboxIds.length) return;
    await this.work
      .addBulk(
        'billing.deliver',
        outboxIds.map((id) => this.deliveryJob(id, retryTag)),
      )
      .catch((e) => this.logger.warn(`billing jobs not added (${e.message}); the sweep will add them`));
  }

  private deliveryJob(id: string, retryTag = '') {
    return { data: { outboxId: id }, jobId: `billing-${id}${retryTag}` };
  }

  /** Job handler: deliver one row. Safe to run twice (a delivered row is skipped). */
  async deliver(outboxId: string, finalAttempt: boolean): Promise<'delivered' | 'skipped'> {
    const { webhookUrl, webhookSecret } = this.config.billing;
    const row = await this.db.getRepository(BillingOutbox).findOne({ where: { id: outboxId } });
    if (!row || row.status !== 'pending' || !webhookUrl || !webhookSecret) return 'skipped';
    const body = JSON.stringify({ id: row.id, type: row.eventType, data: row.payload });
    try {
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signPayload(webhookSecret, body, Math.floor(this.clock.now().getTime() / 1000)),
          [DELIVERY_HEADER]: row.id,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`billing webhook answered HTTP ${res.status}`);
    } catch (e) {
      const message = (e as Error).message.slice(0, 500);
      await this.db.query(
        `UPDATE billing_outbox SET attempts = attempts + 1, last_error = $2,
           status = CASE WHEN $3::boolean THEN 'dead' ELSE status END
         WHERE id = $1 AND status = 'pending'`,
        [outboxId, message, finalAttempt],
      );
      if (finalAttempt) this.logger.warn(`billing delivery ${outboxId} is dead after retries: ${message}`);
      throw e;
    }
    await this.db.query(
      `UPDATE billing_outbox SET status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = NULL
       WHERE id = $1 AND status = 'pending'`,
      [outboxId],
    );
    return 'delivered';
  }

  /** Re-drive: pending rows (older than a minute) whose job is missing or finished get it again. */
  async redrive(): Promise<number> {
    if (!this.config.billing.webhookUrl) return 0;
    const rows = await this.db.query(
      `SELECT id FROM billing_outbox WHERE status = 'pending' AND created_at < $1::timestamptz - interval '1 minute'
       ORDER BY id LIMIT 5000`,
      [this.clock.now()],
    );
    return this.work.ensureJobs(
      'billing.deliver',
      rows.map((r: { id: string }) => this.deliveryJob(String(r.id))),
    );
  }

  list(status: 'pending' | 'delivered' | 'dead' | undefined, limit: number): Promise<BillingOutbox[]> {
    return this.db.getRepository(BillingOutbox).find({
      where: status ? { status } : {},
      order: { id: 'DESC' },
      take: limit,
    });
  }

  /** Staff put a dead row back in line; its job gets a fresh id (the dead one is kept for inspection). */
  async retry(outboxId: string, actor: Actor): Promise<BillingOutbox> {
    const row = await this.db.transaction(async (m) => {
      const [rows] = await m.query(
        `UPDATE billing_outbox SET status = 'pending' WHERE id = $1 AND status = 'dead' RETURNING id`,
        [outboxId],
      );
      if (!rows.length) {
        const exists = await m.getRepository(BillingOutbox).exists({ where: { id: outboxId } });
        if (!exists) throw new NotFound('No such billing delivery');
        throw new Conflict('Only a dead delivery can be retried');
      }
      await this.audit.record(m, actor, {
        action: 'billing.retry',
        targetType: 'billing_outbox',
        targetId: outboxId,
      });
      return m.getRepository(BillingOutbox).findOneByOrFail({ id: outboxId });
    });
    await this.enqueue([outboxId], `-retry-${this.clock.now().getTime()}`);
    return row;
  }

  /**
   * Every billing event created in [from, to) as CSV. Consecutive periods never overlap, so exporting
   * period after period hands each credit (and each reversal) over exactly once.
   */
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
