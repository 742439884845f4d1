import { Injectable, Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { InjectDataSource } from '@nestjs/typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { DurableWork } from '../platform/queue/durable-work';
import { BillingEvent, BillingOutbox } from './billing-outbox.entity';
import { SIGNATURE_HEADER, signPayload } from './billing-signature';
import { Conflict, NotFound } from '../platform/http/domain-error';
import { changeState } from '../platform/state/state-change';
import { BillingRepository } from './billing.repository';
import { deliveryMachine } from './billing-state';

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
    private readonly repo: BillingRepository,
    private readonly work: DurableWork,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Adds outbox rows for these credits (in the caller's transaction); returns the new row ids. */
  async record(m: EntityManager, event: BillingEvent, creditIds: string[]): Promise<string[]> {
    if (!creditIds.length) return [];
    // created_at on the Clock: the export's period and the re-drive sweep compare it with Clock times
    return this.repo.insertForCredits(
      m,
      event,
      creditIds,
      event === 'credit.reversed' ? -1 : 1,
      this.clock.now(),
    );
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
    const row = await this.repo.findById(outboxId);
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
      await this.repo.recordFailure(outboxId, message, finalAttempt);
      if (finalAttempt) this.logger.warn(`billing delivery ${outboxId} is dead after retries: ${message}`);
      throw e;
    }
    await this.repo.recordDelivered(outboxId);
    return 'delivered';
  }

  /** Re-drive: pending rows (older than a minute) whose job is missing or finished get it again. */
  async redrive(): Promise<number> {
    if (!this.config.billing.webhookUrl) return 0;
    const ids = await this.repo.pendingIdsBefore(this.clock.now());
    return this.work.ensureJobs(
      'billing.deliver',
      ids.map((id) => this.deliveryJob(id)),
    );
  }

  list(status: 'pending' | 'delivered' | 'dead' | undefined, limit: number): Promise<BillingOutbox[]> {
    return this.repo.list(status, limit);
  }

  /** Staff put a dead row back in line; its job gets a fresh id (the dead one is kept for inspection). */
  async retry(outboxId: string, actor: Actor): Promise<BillingOutbox> {
    const row = await this.db.transaction(async (m) => {
      const moved = await changeState(m, this.audit, {
        table: 'billing_outbox',
        id: outboxId,
        from: deliveryMachine.from('retry'),
        to: deliveryMachine.next('dead', 'retry')!,
        audit: { actor, action: 'billing.retry', targetType: 'billing_outbox' },
      });
      if (!moved) {
        if (!(await this.repo.exists(m, outboxId))) throw new NotFound('No such billing delivery');
        throw new Conflict('Only a dead delivery can be retried');
      }
      return this.repo.get(m, outboxId);
    });
    await this.enqueue([outboxId], `-retry-${this.clock.now().getTime()}`);
    return row;
  }

  /**
   * Every billing event created in [from, to) as CSV. Consecutive periods never overlap, so exporting
   * period after period hands each credit (and each reversal) over exactly once.
   */
  exportCsv(from: Date, to: Date, out: Writable): Promise<void> {
    return this.repo.exportCsv(from, to, out);
  }
}
