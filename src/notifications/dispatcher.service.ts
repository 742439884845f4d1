import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../platform/config';
import { Clock } from '../platform/clock/clock';
import { DurableWork } from '../platform/queue/durable-work';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { EnqueuerService } from './enqueuer.service';
import { quietKinds } from './message-kinds';
import { OutboxQueueRepository, StuckRow } from './outbox-queue.repository';
import { inQuietHours } from './quiet-hours';
import { batchSizeFor } from './queues';

const BATCH = 2000;
/** Stuck rows checked per read when re-driving (keyset pages; thousands of rows a second). */
const REDRIVE_PAGE = 5000;
/** One re-drive pass stops after this long; the next sweep goes on. */
const REDRIVE_BUDGET_MS = 10_000;
/** Set in Redis once a full re-drive pass has ended: gone, Redis lost its jobs (DispatcherService.redrive). */
export const OUTBOX_MARKER = 'notifications.outbox';

/**
 * Moves outbox rows into BullMQ (worker role only). Postgres is the record; a job only carries ids.
 * A campaign's rows are built queued and their jobs added by the build (CampaignBuilder); what this takes is
 * everything else: one-off messages, rows held by quiet hours or a pause, rows the re-drive sent back.
 * - every 250 ms: pending rows → queued + a job per row, or per batch of rows on a channel without a rate limit
 *   (several workers share the work with SKIP LOCKED);
 * - re-drive rules of the one sweep (platform/queue): rows queued or sending for long whose job is gone (Redis
 *   flushed, a worker killed) go back to pending; due scheduled campaigns start; finished campaigns complete.
 */
@Injectable()
export class DispatcherService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DispatcherService.name);
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  /** Where this process's re-drive stopped (null: at the start). */
  private cursor: { queuedAt: Date; id: string } | null = null;
  /** This process is in a full re-drive pass (Redis lost its data) that a time budget cut short. */
  private fullPass = false;

  constructor(
    private readonly outbox: OutboxQueueRepository,
    private readonly campaigns: CampaignLifecycle,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly enqueuer: EnqueuerService,
    private readonly work: DurableWork,
  ) {}

  onModuleInit(): void {
    this.work.redrive({ name: 'notifications.outbox', run: () => this.redrive() });
    this.work.redrive({
      name: 'notifications.campaigns',
      run: async () => {
        await this.campaigns.startDue();
        await this.campaigns.completeFinished();
        return 0;
      },
    });
    // Callback tokens are kept 48 h (Twilio retries within minutes); leases of workers long gone are dropped.
    this.work.redrive({
      name: 'notifications.housekeeping',
      everySeconds: 300,
      run: async () => {
        const tokens = await this.outbox.pruneCallbackTokens(48);
        await this.outbox.pruneLeases();
        return tokens;
      },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorker) return;
    const run = () => {
      if (this.stopped) return;
      this.running = this.dispatch()
        .catch((e) => this.logger.error(`dispatcher: ${e.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(run, 250);
        });
    };
    this.timer = setTimeout(run, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
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

  /**
   * Rows queued or sending for long whose job is gone from Redis or already finished (or that have no job id)
   * go back to pending, a keyset page at a time. Two speeds, because a paced campaign keeps most of its rows
   * queued for minutes (hours at national scale) behind live jobs, and asking Redis about each of them every
   * sweep cost the senders their CPU (issue 20):
   * - a Redis that lost its data (the marker gone: flushed, restarted empty) lost every job: pages until the
   *   end or the time budget, continued by the next sweep, so 100k lost jobs are re-driven in seconds; the
   *   marker is set again once such a pass has reached the end;
   * - otherwise only jobs that failed for good or went missing one by one are to be found: one page a sweep,
   *   a rolling cursor going on from where the last sweep stopped and starting over at the end.
   */
  async redrive(): Promise<number> {
    const stale = Math.max(this.config.notifications.sendStaleSeconds * 2, 10);
    const started = performance.now(); // a work budget, not a domain time: monotonic
    // Redis down: as if it lost everything (the pass then fails at its first job check, as it always did)
    const lostAll = !(await this.work.marked(OUTBOX_MARKER).catch(() => false));
    // a full pass starts at the start (continued, if the budget cut it, from where it stopped)
    if (lostAll && !this.fullPass) this.cursor = null;
    this.fullPass = lostAll;
    let after = this.cursor;
    let requeued = 0;
    for (;;) {
      const page = await this.outbox.stuck(stale, REDRIVE_PAGE, after);
      if (!page.length) {
        after = null;
        break;
      }
      const lost: StuckRow[] = [];
      for (const channel of ['sms', 'email'] as const) {
        const rows = page.filter((r) => r.channel === channel);
        const dead = await this.work.withoutLiveJob(
          channel === 'sms' ? 'sms.send' : 'email.send',
          rows.filter((r) => r.jobId !== null).map((r) => r.jobId!),
        );
        for (const r of rows) if (r.jobId === null || dead.has(r.jobId)) lost.push(r);
      }
      // A row whose job finished meanwhile is final by now, and requeue() leaves final rows alone.
      const n = this.config.notifications;
      requeued += await this.outbox.requeue(lost, n.sendStaleSeconds, n.callSettleSeconds, this.clock.now());
      const last = page[page.length - 1];
      after = page.length < REDRIVE_PAGE ? null : { queuedAt: last.queuedAt, id: last.id };
      if (!after || !lostAll || performance.now() - started > REDRIVE_BUDGET_MS) break;
    }
    this.cursor = after;
    if (lostAll && !after) {
      await this.work.mark(OUTBOX_MARKER).catch(() => undefined);
      this.fullPass = false;
    }
    if (requeued) this.logger.warn(`re-drive: ${requeued} message(s) had lost their job; back to pending`);
    return requeued;
  }
}
