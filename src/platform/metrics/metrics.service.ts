import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const QUEUE_COUNT_BUDGET_MS = 1000;

/** `p`'s value, or null when it fails or takes longer than `ms`. */
async function settleWithin<T>(ms: number, p: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([p.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** One registry per app instance (tests boot several apps in one process). Labels never carry PII. */
@Injectable()
export class JobMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'candor_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly jobs = new Counter({
    name: 'candor_jobs_total',
    help: 'Jobs finished by queue and outcome',
    labelNames: ['queue', 'outcome'],
    registers: [this.registry],
  });
  private queueSource: () => Queue[] = () => [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'candor_' });
    const queueCountsUp = new Gauge({
      name: 'candor_queue_counts_up',
      help: '1 when the last scrape read every queue depth from Redis in time, else 0',
      registers: [this.registry],
    });
    const queues = () => this.queueSource();
    new Gauge({
      name: 'candor_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      // Redis down or slow: the scrape still answers at once, without queue depths (never a hung /metrics).
      async collect() {
        const counts = await Promise.all(
          queues().map((q) =>
            settleWithin(
              QUEUE_COUNT_BUDGET_MS,
              q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
            ),
          ),
        );
        this.reset();
        queues().forEach((q, i) => {
          for (const [state, n] of Object.entries(counts[i] ?? {})) this.set({ queue: q.name, state }, n);
        });
        queueCountsUp.set(counts.every((c) => c !== null) ? 1 : 0);
      },
    });
  }

  watchQueues(source: () => Queue[]): void {
    this.queueSource = source;
  }

  jobOutcome(queue: string, outcome: 'completed' | 'failed'): void {
    this.jobs.inc({ queue, outcome });
  }

  /** Counters other modules own (e.g. messages sent per channel), registered once by name. */
  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<string>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
