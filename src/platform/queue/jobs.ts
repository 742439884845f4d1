import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config';

/**
 * Every job the system runs, in one table: its queue, its options (jobId comes from the caller; attempts,
 * backoff and retention from here) and, for a repeatable job, its interval. A job's payload is ids only;
 * every handler is idempotent. Postgres holds the durable record, so Redis keeps finished jobs briefly.
 *
 * To add a durable job: a line here, `work.handle(name, fn)` in the owning module, and (if a lost job must be
 * found again) a re-drive rule (`work.redrive(...)`). Nothing else: no new queue wiring, no new sweeper.
 */
export interface JobSpec {
  queue: string;
  options: (config: AppConfig) => JobsOptions;
  /** Repeatable: re-created by the sweep whenever it is missing (a Redis flush, a first boot). */
  everyMs?: (config: AppConfig) => number;
}

const KEEP_DONE = { count: 1000, age: 3600 };
const KEEP_FAILED = { count: 5000, age: 7 * 24 * 3600 };
const exponential = (delay: number) => ({ type: 'exponential' as const, delay });
const standard = (): JobsOptions => ({
  attempts: 5,
  backoff: exponential(1000),
  removeOnComplete: KEEP_DONE,
  removeOnFail: KEEP_FAILED,
});
/** Send jobs: Postgres holds every outcome; Redis keeps only failed send jobs, briefly, for inspection. */
const send = (): JobsOptions => ({
  ...standard(),
  removeOnComplete: true,
  removeOnFail: { count: 1000, age: 24 * 3600 },
});

export const JOBS = {
  /** { updateId } (jobId = update id): publish a scheduled incident update at its time. */
  'incidents.publish': { queue: 'incidents', options: standard },
  /** {}: cadence reminders. */
  'incidents.tick': {
    queue: 'incidents',
    options: () => ({ removeOnComplete: true, removeOnFail: 100 }),
    everyMs: (c) => c.incidents.reminderTickSeconds * 1000,
  },
  /** { updateId }: send a published update to the incident's subscribers. */
  'status-page.fanout': { queue: 'status-page', options: standard },
  /** { ids }: outbox rows to send by SMS (jobId recorded on each row). */
  'sms.send': { queue: 'send-sms', options: send },
  /** { ids }: outbox rows to send by email. */
  'email.send': { queue: 'send-email', options: send },
  /** {}: apply the recorded Twilio delivery callbacks to the outbox, in bulk. */
  'sms.callbacks': {
    queue: 'delivery-callbacks',
    options: () => ({ removeOnComplete: true, removeOnFail: 100 }),
    everyMs: (c) => c.notifications.callbackApplyIntervalMs,
  },
  /** { outboxId }: POST one signed billing webhook. */
  'billing.deliver': {
    queue: 'compensation',
    options: (c) => ({
      ...standard(),
      attempts: c.billing.attempts,
      backoff: exponential(c.billing.backoffMs),
    }),
  },
  /** { offerId }: claim an auto-apply offer for everyone eligible, in batches. */
  'offer.apply': { queue: 'compensation', options: standard },
  /** { requestId }: provision a number change at its time. */
  'number-change.cutover': {
    queue: 'number-change',
    options: (c) => ({
      ...standard(),
      attempts: c.numberChange.provisioningMaxAttempts,
      backoff: exponential(c.numberChange.provisioningRetryDelayMs),
    }),
  },
  /** {}: housekeeping (lapsed reservations and quarantines, stale requests). */
  'number-change.sweep': {
    queue: 'number-change',
    options: () => ({ removeOnComplete: true, removeOnFail: 100 }),
    everyMs: (c) => c.numberChange.sweepSeconds * 1000,
  },
} satisfies Record<string, JobSpec>;

export type JobName = keyof typeof JOBS;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];

/** The queues the table names (each registered once by QueueModule). */
export const QUEUE_NAMES = [...new Set(Object.values(JOBS).map((j: JobSpec) => j.queue))];

export function jobSpec(name: JobName): JobSpec {
  return JOBS[name];
}
