import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config';
import { REDIS } from '../redis/redis.module';
import { DurableWork, RedriveRule } from './durable-work';
import { JOB_NAMES, jobSpec } from './jobs';

/**
 * The one sweep (worker role): every SWEEP_INTERVAL_SECONDS it re-creates any repeatable job that is missing
 * and runs each module's re-drive rules (each at most every `everySeconds`). It is a timer in the process, not
 * a job in Redis, so nothing Redis loses can stop it; and rules read PostgreSQL first, so a rule that needs no
 * queue (publishing a due update) still runs while Redis is down. A short Redis lease keeps concurrent workers
 * from sweeping at the same moment; without Redis every worker sweeps (the rules are idempotent).
 */
@Injectable()
export class QueueSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueSweep.name);
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();
  private readonly lastRun = new Map<string, number>();

  constructor(
    private readonly work: DurableWork,
    private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorker) return;
    // At boot, before the first pass: a fresh Redis gets its repeatable jobs before anyone looks for them.
    await this.ensureRepeatables().catch((e) =>
      this.logger.warn(`repeatable jobs not checked: ${e.message}`),
    );
    const every = this.config.notifications.sweepIntervalSeconds * 1000;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.sweep()
        .catch((e) => this.logger.error(`sweep: ${e.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, every);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  /** One pass: repeatables, then every rule that is due. Returns what each rule re-drove. */
  async sweep(opts: { force?: boolean } = {}): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    if (!opts.force && !(await this.lease())) return out;
    out.repeatables = await this.ensureRepeatables().catch((e) => {
      this.logger.warn(`repeatable jobs not checked: ${e.message}`);
      return 0;
    });
    const now = Date.now();
    for (const rule of this.work.rules) {
      if (!opts.force && !this.due(rule, now)) continue;
      this.lastRun.set(rule.name, now);
      try {
        out[rule.name] = await rule.run();
        if (out[rule.name]) this.logger.warn(`re-drive ${rule.name}: ${out[rule.name]}`);
      } catch (e) {
        this.logger.warn(`re-drive ${rule.name} failed, next sweep retries: ${(e as Error).message}`);
      }
    }
    return out;
  }

  private due(rule: RedriveRule, now: number): boolean {
    const last = this.lastRun.get(rule.name);
    return last === undefined || now - last >= (rule.everySeconds ?? 0) * 1000 - 50;
  }

  /** Repeatable jobs (JOBS entries with an interval) whose scheduler is gone are created again. */
  async ensureRepeatables(): Promise<number> {
    if (this.redis.status !== 'ready') return 0;
    let created = 0;
    for (const name of JOB_NAMES) {
      const spec = jobSpec(name);
      if (!spec.everyMs) continue;
      const queue = this.work.queue(name);
      if (await queue.getJobScheduler(name)) continue;
      await queue.upsertJobScheduler(
        name,
        { every: spec.everyMs(this.config) },
        { name, data: {}, opts: spec.options(this.config) },
      );
      created++;
    }
    return created;
  }

  /** A lease of most of one interval, so two workers do not sweep at once (Redis down: sweep anyway). */
  private async lease(): Promise<boolean> {
    if (this.redis.status !== 'ready') return true;
    const ms = Math.max(1000, this.config.notifications.sweepIntervalSeconds * 1000 - 500);
    try {
      const ok = await this.redis.set(
        `${this.config.redis.prefix}:sweep-lease`,
        String(process.pid),
        'PX',
        ms,
        'NX',
      );
      return ok === 'OK';
    } catch {
      return true;
    }
  }
}
