import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue, WorkerOptions } from 'bullmq';

/** A processor whose worker options depend on configuration (rate limits, concurrency, stall checks). */
export interface ConfigurableWorker {
  workerOptions(): Partial<
    Pick<WorkerOptions, 'concurrency' | 'limiter' | 'lockDuration' | 'stalledInterval'>
  >;
}
import { AppConfig } from '../config';
import { RedisErrorLog } from '../redis/redis-errors';
import { JobMetrics } from '../metrics/metrics.service';
import { DurableWork } from './durable-work';

/**
 * Processors are declared with `autorun: false`; this starts them only in the worker role, so one codebase
 * serves `CANDOR_ROLE=api`, `worker` or `all`. It also feeds job outcomes to the metrics.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkerRunner.name);
  private started: WorkerHost[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: AppConfig,
    private readonly metrics: JobMetrics,
    private readonly work: DurableWork,
  ) {}

  hosts(): WorkerHost[] {
    return this.discovery
      .getProviders()
      .map((w) => w.instance)
      .filter((i): i is WorkerHost => i instanceof WorkerHost);
  }

  queues(): Queue[] {
    return this.discovery
      .getProviders()
      .map((w) => w.instance)
      .filter((i): i is Queue => i instanceof Queue);
  }

  /**
   * Startup check: every registered queue has exactly one processor, every processor a queue, and every job
   * name of JOBS exactly one handler (a second registration throws at once).
   */
  checkWiring(): void {
    const queueNames = this.queues().map((q) => q.name);
    const workerNames = this.hosts().map((h) => h.worker.name);
    const problems: string[] = [...this.work.wiringProblems()];
    for (const q of new Set(queueNames)) {
      const n = workerNames.filter((w) => w === q).length;
      if (n !== 1) problems.push(`queue "${q}" has ${n} processors (expected exactly 1)`);
    }
    for (const w of workerNames)
      if (!queueNames.includes(w)) problems.push(`processor for "${w}" has no registered queue`);
    if (problems.length) throw new Error(`queue wiring: ${problems.join('; ')}`);
  }

  private readonly redisErrors = new RedisErrorLog(this.logger);

  /** Options from configuration, applied before the worker first runs (the decorator's are static). */
  private applyOptions(host: WorkerHost, worker: WorkerHost['worker']): void {
    const fn = (host as Partial<ConfigurableWorker>).workerOptions;
    if (!fn) return;
    const opts = fn.call(host);
    if (opts.concurrency) worker.concurrency = opts.concurrency;
    if (opts.limiter) worker.opts.limiter = opts.limiter;
    if (opts.stalledInterval) worker.opts.stalledInterval = opts.stalledInterval;
    if (opts.lockDuration) {
      worker.opts.lockDuration = opts.lockDuration;
      worker.opts.lockRenewTime = opts.lockDuration / 2;
      (worker as any).createLockManager(); // no job is locked yet; the manager copies these at creation
    }
  }

  onApplicationBootstrap(): void {
    // Only a process that runs the processors needs every handler (the CLI's slim analyze context has none).
    if (this.config.runsWorker) this.checkWiring();
    this.metrics.watchQueues(() => this.queues());
    // A queue's connection errors (Redis down) go through the logger, once a minute per queue, one line each.
    for (const q of this.queues()) this.redisErrors.watch(`queue ${q.name}`, q);
    if (!this.config.runsWorker) return;
    for (const host of this.hosts()) {
      const worker = host.worker;
      this.applyOptions(host, worker);
      worker.on('completed', () => this.metrics.jobOutcome(worker.name, 'completed'));
      worker.on('failed', () => this.metrics.jobOutcome(worker.name, 'failed'));
      this.redisErrors.watch(`worker ${worker.name}`, worker);
      void worker.run().catch((err) => this.logger.error(`worker ${worker.name} stopped: ${err.message}`));
      this.started.push(host);
    }
    if (this.started.length)
      this.logger.log(`workers running: ${this.started.map((h) => h.worker.name).join(', ')}`);
  }
}
