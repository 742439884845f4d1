import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { Counter } from 'prom-client';
import { GroupWriter } from '../platform/database/group-writer';
import { JobMetrics } from '../platform/metrics/metrics.service';
import { DurableWork } from '../platform/queue/durable-work';
import { twilioErrorClass } from '../channels/provider-error';
import { Pseudonymiser } from '../platform/privacy';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import {
  AppliedFailure,
  DeliveryCallback,
  DeliveryCallbacksRepository,
} from './delivery-callbacks.repository';
import { OutboxRepository, type DeliveryStatus } from './outbox.repository';

const DELIVERY: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
};
const APPLY_BATCH = 5000;
/** One drain stops after this long (the next tick goes on): a job never holds its lock for minutes. */
const DRAIN_BUDGET_MS = 20_000;

/** Twilio's delivery callback parameters → the callback to record (null: nothing we track). */
export function parseDeliveryCallback(
  messageId: string | undefined,
  p: Record<string, string>,
  token?: string,
): DeliveryCallback | null {
  const status = DELIVERY[p.MessageStatus ?? p.SmsStatus ?? ''];
  if (!status || !messageId || !/^\d{1,18}$/.test(messageId) || !p.MessageSid) return null;
  return {
    messageId,
    providerSid: p.MessageSid,
    status,
    errorCode: p.ErrorCode || null,
    token: token || null,
  };
}

/**
 * Delivery callbacks off the hot path: the webhook appends the callback (group commit: one INSERT for all the
 * callbacks that arrived while the previous one was being written) and answers; a worker applies them to the
 * outbox in bulk every CALLBACK_APPLY_INTERVAL_MS (a repeatable job; the one sweep also drains, so a Redis
 * outage only slows them down).
 */
@Injectable()
export class DeliveryCallbacksService implements OnModuleInit {
  private readonly writer: GroupWriter<DeliveryCallback>;
  private readonly counted: Counter<string>;

  constructor(
    private readonly repo: DeliveryCallbacksRepository,
    private readonly work: DurableWork,
    private readonly outbox: OutboxRepository,
    private readonly campaigns: CampaignLifecycle,
    private readonly pseudonymiser: Pseudonymiser,
    metrics: JobMetrics,
  ) {
    this.writer = new GroupWriter((batch) => this.repo.append(batch), 1000);
    this.counted = metrics.counter('candor_delivery_callbacks_total', 'Delivery callbacks by stage', [
      'stage',
    ]);
  }

  onModuleInit(): void {
    this.work.handle('sms.callbacks', () => this.drain());
    // Not lost work, just the same drain on the sweep's timer, which needs no Redis; its count is not a warning.
    this.work.redrive({
      name: 'sms.callbacks',
      run: async () => {
        await this.drain();
        return 0;
      },
    });
  }

  /** Records a callback for the worker (false: not one we track; nothing written). */
  async record(
    messageId: string | undefined,
    params: Record<string, string>,
    token?: string,
  ): Promise<boolean> {
    const cb = parseDeliveryCallback(messageId, params, token);
    if (!cb) return false;
    await this.writer.push(cb);
    this.counted.inc({ stage: 'recorded' });
    return true;
  }

  /** Applies what is recorded, in batches, until none is left or the time budget is spent. */
  async drain(): Promise<{ taken: number; applied: number }> {
    const started = Date.now();
    const total = { taken: 0, applied: 0 };
    for (;;) {
      const { taken, applied, failures } = await this.repo.applyBatch(APPLY_BATCH);
      total.taken += taken;
      total.applied += applied;
      await this.actOn(failures);
      if (taken < APPLY_BATCH || Date.now() - started > DRAIN_BUDGET_MS) break;
    }
    if (total.taken) this.counted.inc({ stage: 'applied' }, total.taken);
    return total;
  }

  /**
   * A failure's ErrorCode acts by its class (channels/provider-error.ts): an opt-out (21610) adds the number to
   * the STOP list; carrier filtering (30007) or the account's configuration pauses the campaign and alerts
   * comms. The others are recorded on the message only (30036: its ValidityPeriod passed).
   */
  private async actOn(failures: AppliedFailure[]): Promise<void> {
    // A filtering storm brings thousands of the same refusal per batch: each action runs once per batch.
    const optOuts = new Set<string>();
    const pauses = new Map<string, { campaignId: string; code: string; action: 'content' | 'account' }>();
    for (const f of failures) {
      const action = twilioErrorClass(f.errorCode);
      if (action === 'opt_out') optOuts.add(f.toAddress);
      if ((action === 'content' || action === 'account') && f.campaignId)
        pauses.set(`${f.campaignId}:${f.errorCode}`, { campaignId: f.campaignId, code: f.errorCode, action });
    }
    for (const to of optOuts) await this.outbox.optOut(this.pseudonymiser.pseudonym(to));
    for (const p of pauses.values())
      await this.campaigns.pauseForProvider(p.campaignId, `twilio:${p.code}`, p.action);
  }
}

@Processor('delivery-callbacks', { autorun: false })
export class DeliveryCallbacksProcessor extends WorkerHost {
  constructor(private readonly work: DurableWork) {
    super();
  }
  process(job: Job) {
    return this.work.run(job);
  }
}
