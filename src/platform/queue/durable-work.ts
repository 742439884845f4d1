import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { AppConfig } from '../config';
import { REDIS } from '../redis/redis.module';
import { JOB_NAMES, JobName, jobSpec } from './jobs';
import { QueueUnavailableError } from './queue-unavailable';

export type JobHandler = (job: Job, token?: string) => Promise<unknown>;

/** One job to add: its payload (ids), and optionally a deterministic id and a delay. */
export interface JobRequest {
  data: Record<string, unknown>;
  jobId?: string;
  delay?: number;
  /** Overrides of the table's options (e.g. the attempts a retried batch row has left). */
  opts?: Pick<JobsOptions, 'attempts' | 'backoff'>;
}

/**
 * A re-drive rule: a module's way of finding work whose job was lost (Redis flushed, an enqueue after commit
 * that failed, a job that failed for good during an outage) and doing or enqueueing it again. Every rule is
 * run by the one sweep (QueueSweep), at most every `everySeconds`; rules must be idempotent.
 */
export interface RedriveRule {
  name: string;
  everySeconds?: number;
  run: () => Promise<number>;
}

const ADD_CHUNK = 1000;

/**
 * The durable-work primitive: jobs by name (JOBS), handlers by name with a start-up check, jobs added after a
 * transaction commits, re-drive rules for one sweep, and the check of whether a recorded job is still alive.
 * Adds fail fast (QueueUnavailableError, a 503) when Redis is down instead of hanging the caller.
 */
@Injectable()
export class DurableWork implements OnModuleInit, EntitySubscriberInterface {
  private readonly logger = new Logger(DurableWork.name);
  private readonly handlers = new Map<string, JobHandler>();
  readonly rules: RedriveRule[] = [];
  private readonly pending = new WeakMap<QueryRunner, Array<() => Promise<void>>>();
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    this.db.subscribers.push(this);
  }

  // ------------------------------------------------------------------ handlers

  /** Registers the handler of a job name (exactly one per name; checked at start-up). */
  handle(name: JobName, fn: JobHandler): void {
    if (this.handlers.has(name)) throw new Error(`job "${name}" has two handlers`);
    this.handlers.set(name, fn);
  }

  /** Problems of the wiring: job names without a handler. */
  wiringProblems(): string[] {
    return JOB_NAMES.filter((n) => !this.handlers.has(n)).map((n) => `job "${n}" has no handler`);
  }

  /** Runs a job by its name (called by each queue's processor). */
  run(job: Job, token?: string): Promise<unknown> {
    const fn = this.handlers.get(job.name);
    if (!fn) throw new Error(`no handler for job "${job.name}" on queue ${job.queueName}`);
    return fn(job, token);
  }

  queue(name: JobName): Queue {
    const queueName = jobSpec(name).queue;
    let q = this.queues.get(queueName);
    if (!q) {
      q = this.moduleRef.get<Queue>(getQueueToken(queueName), { strict: false });
      this.queues.set(queueName, q);
    }
    return q;
  }

  // ------------------------------------------------------------------ adding

  /** Adds one job with the table's options. Throws QueueUnavailableError when Redis is down or slow. */
  async add(name: JobName, req: JobRequest): Promise<void> {
    await this.addBulk(name, [req]);
  }

  /**
   * Adds jobs in pipelined bulks of 1000 (thousands a second). A job whose id already exists is not added
   * twice (BullMQ ignores the duplicate id).
   */
  async addBulk(name: JobName, reqs: JobRequest[], opts: { failFast?: boolean } = {}): Promise<void> {
    if (!reqs.length) return;
    const failFast = opts.failFast ?? true;
    if (failFast && this.redis.status !== 'ready')
      throw new QueueUnavailableError(`redis ${this.redis.status}`);
    const queue = this.queue(name);
    const base = jobSpec(name).options(this.config);
    for (let i = 0; i < reqs.length; i += ADD_CHUNK) {
      const jobs = reqs.slice(i, i + ADD_CHUNK).map((r) => ({
        name,
        data: r.data,
        opts: { ...base, ...r.opts, jobId: r.jobId, delay: r.delay && r.delay > 0 ? r.delay : undefined },
      }));
      const adding = queue.addBulk(jobs);
      if (!failFast) await adding;
      else await this.withTimeout(adding, this.config.redis.enqueueTimeoutMs, 'adding a job timed out');
    }
  }

  private async withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(what)), ms);
    });
    p.catch(() => undefined); // a late failure after the timeout is not unhandled
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ------------------------------------------------------------------ after commit

  /**
   * Adds the job once the transaction of `manager` commits (nothing if it rolls back). Outside a transaction it
   * is added at once. Use `transaction()` to await the adds and learn whether they failed; in a plain
   * `db.transaction` a failed add is logged and the module's re-drive rule finds the work again.
   */
  afterCommit(manager: EntityManager, name: JobName, req: JobRequest): void {
    const qr = manager.queryRunner;
    const add = () => this.add(name, req);
    if (!qr || !qr.isTransactionActive) {
      void add().catch((e) => this.logger.warn(`enqueue ${name}: ${e.message}; the sweep will re-drive it`));
      return;
    }
    const list = this.pending.get(qr) ?? [];
    list.push(add);
    this.pending.set(qr, list);
  }

  /**
   * `db.transaction(fn)`, then the jobs it asked for with `afterCommit`, awaited: the caller learns of a
   * failure (QueueUnavailableError, after the commit: the change is saved, its work will be re-driven).
   */
  async transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    let adds: Array<() => Promise<void>> = [];
    const result = await this.db.transaction(async (m) => {
      const out = await fn(m);
      adds = this.pending.get(m.queryRunner!) ?? [];
      this.pending.delete(m.queryRunner!); // this caller runs them, not the commit hook
      return out;
    });
    const settled = await Promise.allSettled(adds.map((a) => a()));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      this.logger.warn(`enqueue after commit failed (${failed.reason?.message}); the sweep will re-drive it`);
      throw failed.reason instanceof QueueUnavailableError
        ? failed.reason
        : new QueueUnavailableError(String(failed.reason?.message ?? failed.reason));
    }
    return result;
  }

  /** TypeORM hook: a plain transaction committed; add its jobs in the background. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    const adds = this.pending.get(event.queryRunner);
    if (!adds) return;
    this.pending.delete(event.queryRunner);
    for (const a of adds)
      void a().catch((e) =>
        this.logger.warn(`enqueue after commit: ${e.message}; the sweep will re-drive it`),
      );
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.pending.delete(event.queryRunner);
  }

  // ------------------------------------------------------------------ re-drive

  /** Registers a module's re-drive rule with the one sweep. */
  redrive(rule: RedriveRule): void {
    if (this.rules.some((r) => r.name === rule.name)) throw new Error(`re-drive rule "${rule.name}" twice`);
    this.rules.push(rule);
  }

  /**
   * Of the given job ids, those with no live job: absent from Redis (flushed, removed, never added) or
   * finished (completed, or failed for good) while the caller's row says the work is still to do. One pipelined
   * HMGET per id on the job's hash: O(1) each, however long the queue is.
   */
  async withoutLiveJob(name: JobName, jobIds: string[]): Promise<Set<string>> {
    const lost = new Set<string>();
    if (!jobIds.length) return lost;
    const queue = this.queue(name);
    const client = (await queue.backend.client) as unknown as Redis;
    for (let i = 0; i < jobIds.length; i += 5000) {
      const ids = jobIds.slice(i, i + 5000);
      const pipe = client.pipeline();
      for (const id of ids) pipe.hmget(queue.toKey(id), 'timestamp', 'finishedOn');
      const results = (await pipe.exec()) ?? [];
      ids.forEach((id, k) => {
        const [created, finished] = (results[k]?.[1] as Array<string | null>) ?? [null, null];
        if (created === null || finished !== null) lost.add(id);
      });
    }
    return lost;
  }

  /**
   * Whether Redis still holds the marker `name` that `mark` set: a flush, or a restart with nothing kept,
   * removes it with every job, which is how a re-drive rule tells "Redis lost its data" from "some jobs failed".
   */
  async marked(name: string): Promise<boolean> {
    return (await this.redis.exists(this.markerKey(name))) === 1;
  }

  async mark(name: string): Promise<void> {
    await this.redis.set(this.markerKey(name), '1');
  }

  private markerKey(name: string): string {
    return `${this.config.redis.prefix}:redrive-marker:${name}`;
  }

  /**
   * Makes sure each request has a live job: a missing job is added; a finished one (a publication that failed
   * its attempts during an outage) is removed first, so the same jobId is free again. Returns how many were
   * (re-)added.
   */
  async ensureJobs(name: JobName, reqs: Array<JobRequest & { jobId: string }>): Promise<number> {
    const lost = await this.withoutLiveJob(
      name,
      reqs.map((r) => r.jobId),
    );
    if (!lost.size) return 0;
    const queue = this.queue(name);
    const client = (await queue.backend.client) as unknown as Redis;
    // Removing a finished job frees its id; a live one is never touched (the check above).
    await Promise.all(
      [...lost].map((id) => queue.remove(id).catch(() => client.del(queue.toKey(id)).catch(() => 0))),
    );
    await this.addBulk(
      name,
      reqs.filter((r) => lost.has(r.jobId)),
      { failFast: false },
    );
    return lost.size;
  }
}
