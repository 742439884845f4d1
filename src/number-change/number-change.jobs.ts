import type { JobRequest } from '../platform/queue/durable-work';

/** The number-change queue; its jobs (`number-change.cutover`, `number-change.sweep`) are in JOBS. */
export const NUMBER_CHANGE_QUEUE = 'number-change';
/** The housekeeping job's scheduler (a repeatable job: the one sweep re-creates it when missing). */
export const SWEEP_SCHEDULER_ID = 'number-change.sweep';

/** One job per scheduled time of a request: a reschedule gets a fresh job, a replay of the same one is ignored. */
export function cutoverJob(requestId: string, scheduledAt: Date, now: Date): JobRequest & { jobId: string } {
  return {
    data: { requestId },
    jobId: `cutover-${requestId}-${scheduledAt.getTime()}`,
    delay: scheduledAt.getTime() - now.getTime(),
  };
}
