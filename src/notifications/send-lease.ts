import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../platform/config';
import { OutboxQueueRepository } from './outbox-queue.repository';

/**
 * This worker process's send lease: a row of `send_workers` it keeps alive every quarter of
 * SEND_STALE_SECONDS (`seen_at`, written and compared on the database's clock). Each message it claims names
 * it (`messages.claimed_by`), and a row in `sending` may be taken again, by another job or the sweeper, only
 * once its claimer's lease is older than SEND_STALE_SECONDS: a dead worker's sends are resolved (Twilio is
 * asked first), a live one's are never sent twice, however slow its provider call.
 *
 * The other half of the rule: a worker that could not renew its lease for half that time (the database gone,
 * an event loop stalled) must assume others may take its rows, so `held()` is false and it calls no provider
 * until a renewal succeeds.
 */
@Injectable()
export class SendLease implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SendLease.name);
  private current = randomUUID();
  /** performance.now() when the last successful renewal was sent (its start: the conservative side). */
  private renewedAt = -Infinity;
  private timer?: NodeJS.Timeout;
  private failing = false;
  private replaced = false;

  constructor(
    private readonly outbox: OutboxQueueRepository,
    private readonly config: AppConfig,
  ) {}

  private get staleMs(): number {
    return this.config.notifications.sendStaleSeconds * 1000;
  }

  /** Takes the lease before any worker starts (workers start at application bootstrap, after this). */
  async onModuleInit(): Promise<void> {
    if (!this.config.runsWorker) return;
    await this.renew();
    const every = Math.max(250, Math.floor(this.staleMs / 4));
    const tick = () => {
      this.timer = setTimeout(() => void this.renew().finally(() => this.timer && tick()), every);
    };
    tick();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The lease's id, as claims name it (a new one after a lapse: see renew). */
  get id(): string {
    return this.current;
  }

  /** Whether this process may call a provider for the rows it claimed: its lease is surely still alive. */
  held(): boolean {
    return performance.now() - this.renewedAt < this.staleMs / 2;
  }

  private async renew(): Promise<void> {
    // Not renewed for half the stale time: others may treat our claims as abandoned already, and some rows may
    // sit in `sending` under our name for good (a claim or an unclaim whose connection died with the database:
    // our own jobs never retake a live lease's row). Going on under a new id lets the old one lapse, so those
    // rows are resolved like a dead worker's (the provider asked first). markCalling() checks the attempt, so
    // a claim made under the old id and sent under the new one still goes out once.
    if (!this.held() && this.renewedAt !== -Infinity && !this.replaced) {
      this.current = randomUUID();
      this.replaced = true; // once per lapse
      this.logger.warn('send lease lapsed: continuing under a new lease, the old claims go stale');
    }
    const started = performance.now();
    try {
      await this.outbox.renewLease(this.id);
      this.renewedAt = started;
      this.replaced = false;
      if (this.failing) this.logger.log('send lease renewed again');
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.logger.error(`send lease not renewed: ${(e as Error).message}`);
      this.failing = true;
    }
  }
}
