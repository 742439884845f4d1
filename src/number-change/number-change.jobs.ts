import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../platform/config';

/** The number-change queue, its jobs and their options in one table. Payloads are ids only. */
export const NUMBER_CHANGE_QUEUE = 'number-change';
export const SWEEP_SCHEDULER_ID = 'number-change-sweep';

export type NumberChangeJob =
  { name: 'cutover'; data: { requestId: string } } | { name: 'sweep'; data: object };

/** One job per scheduled time of a request: a reschedule gets a fresh job, a replay of the same one is ignored. */
export function cutoverJob(requestId: string, scheduledAt: Date, config: AppConfig, now: Date) {
  const { provisioningMaxAttempts, provisioningRetryDelayMs } = config.numberChange;
  const opts: JobsOptions = {
    jobId: `cutover-${requestId}-${scheduledAt.getTime()}`,
    delay: Math.max(0, scheduledAt.getTime() - now.getTime()),
    attempts: provisioningMaxAttempts,
    backoff: { type: 'exponential', delay: provisioningRetryDelayMs },
  };
  return { name: 'cutover' as const, data: { requestId }, opts };
}
