import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppConfig } from '../platform/config';
import { Clock } from '../platform/clock/clock';
import { CampaignsService } from './campaigns.service';
import { EnqueuerService } from './enqueuer.service';
import { quietKinds } from './message-kinds';
import { OutboxRepository, QueuedRow } from './outbox.repository';
import { inQuietHours } from './quiet-hours';
import { batchSizeFor, EMAIL_QUEUE, SMS_QUEUE } from './queues';

const BATCH = 2000;

/**
 * Moves outbox rows into BullMQ (worker role only). Postgres is the record; a job only carries ids.
 * A campaign's rows are built queued and their jobs added by the build (CampaignsService); what this takes is
 * everything else: one-off messages, rows held by quiet hours or a pause, rows the sweeper sent back.
 * - every 250 ms: pending rows → queued + a job per row, or per batch of rows on a channel without a rate limit
 *   (several workers share the work with SKIP LOCKED);
 * - every SWEEP_INTERVAL_SECONDS: rows queued or sending for long whose job is gone (Redis flushed, a worker
 *   killed) go back to pending; due scheduled campaigns start; finished campaigns complete.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DispatcherService.name);
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly campaigns: CampaignsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly enqueuer: EnqueuerService,
    @InjectQueue(SMS_QUEUE) private readonly smsQueue: Queue,
    @InjectQueue(EMAIL_QUEUE) private readonly emailQueue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runsWorker) return;
    this.loop(() => this.dispatch(), 250);
    this.loop(() => this.sweep(), this.config.notifications.sweepIntervalSeconds * 1000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearTimeout);
    await this.running.catch(() => undefined);
  }

  private loop(tick: () => Promise<unknown>, everyMs: number): void {
    const run = () => {
      if (this.stopped) return;
      this.running = tick()
        .catch((e) => this.logger.error(`dispatcher: ${e.message}`))
        .finally(() => {
          if (!this.stopped) this.timers.push(setTimeout(run, everyMs));
        });
    };
    this.timers.push(setTimeout(run, 0));
  }

  /** Enqueues every pending row it can take now; returns how many. */
  async dispatch(): Promise<number> {
    const n = this.config.notifications;
    const quiet = inQuietHours(this.clock.now(), n.quietHours, n.quietHoursTz) ? quietKinds() : null;
    const batch = { sms: batchSizeFor(n.smsRatePerSecond), email: batchSizeFor(n.emailRatePerSecond) };
    let total = 0;
    // Overlap the database and Redis: take the next batch while the previous one is being added.
    let adding: Promise<void> = Promise.resolve();
    for (;;) {
      const rows = await this.outbox.takePending(BATCH, quiet, batch);
      await adding;
      adding = this.enqueuer.add(rows);
      total += rows.length;
      if (rows.length < BATCH || this.stopped) {
        await adding;
        return total;
      }
    }
  }

  /** Recovers rows whose job was lost, and moves campaigns along. */
  async sweep(): Promise<{ requeued: number }> {
    const stale = Math.max(this.config.notifications.sendStaleSeconds * 2, 10);
    const candidates = await this.outbox.stuck(stale, 5000);
    const lost = [
      ...(await this.withoutLiveJob(
        this.smsQueue,
        candidates.filter((r) => r.channel === 'sms'),
      )),
      ...(await this.withoutLiveJob(
        this.emailQueue,
        candidates.filter((r) => r.channel === 'email'),
      )),
    ];
    // A row whose job finished meanwhile is final by now, and requeue() leaves final rows alone.
    const requeued = await this.outbox.requeue(
      lost,
      this.config.notifications.sendStaleSeconds,
      this.clock.now(),
    );
    if (requeued) this.logger.warn(`sweep: ${requeued} message(s) had lost their job; re-enqueued`);
    await this.campaigns.startDue();
    await this.campaigns.completeFinished();
    await this.outbox.pruneCallbackTokens(48);
    await this.outbox.pruneLeases();
    return { requeued };
  }

  /**
   * Rows whose job is gone from Redis or already finished (completed, or failed for good) while the row is still
   * open, or that have no job id recorded. One pipelined HMGET per row on the job's hash: O(1) each, however
   * long the queue is.
   */
  private async withoutLiveJob(queue: Queue, rows: QueuedRow[]): Promise<string[]> {
    if (!rows.length) return [];
    const client = (await queue.backend.client) as unknown as Redis; // bullmq's own ioredis connection
    const pipe = client.pipeline();
    const known = rows.filter((r) => r.job_id !== null);
    for (const r of known) pipe.hmget(queue.toKey(r.job_id!), 'timestamp', 'finishedOn');
    const results = (await pipe.exec()) ?? [];
    const lost = known.filter((_, i) => {
      const [created, finished] = (results[i]?.[1] as Array<string | null>) ?? [null, null];
      return created === null || finished !== null;
    });
    return [...rows.filter((r) => r.job_id === null), ...lost].map((r) => r.id);
  }
}
