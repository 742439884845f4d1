import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    const queues = () => this.queueSource();
    new Gauge({
      name: 'candor_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        for (const q of queues()) {
          const counts = await q.getJobCounts(
            'waiting',
            'active',
            'delayed',
            'failed',
            'completed',
            'prioritized',
          );
          for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
        }
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
