import type { Channel } from './message-kinds';

export const SMS_QUEUE = 'send-sms';
export const EMAIL_QUEUE = 'send-email';

export const queueFor = (channel: Channel) => (channel === 'sms' ? SMS_QUEUE : EMAIL_QUEUE);

/**
 * Rows per send job. BullMQ's limiter counts jobs, so a rate-limited channel keeps one row per job; an
 * unlimited one shares a job's two Redis scripts between several rows.
 */
export const UNLIMITED_BATCH = 25;
export const batchSizeFor = (ratePerSecond: number) => (ratePerSecond > 0 ? 1 : UNLIMITED_BATCH);

/** The rows a send job carries (the job id is on each row, for the re-drive). Options: JOBS in platform/queue. */
export interface SendJob {
  ids: string[];
}
