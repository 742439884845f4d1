import type { Channel } from './message-kinds';

export const SMS_QUEUE = 'send-sms';
export const EMAIL_QUEUE = 'send-email';

export const queueFor = (channel: Channel) => (channel === 'sms' ? SMS_QUEUE : EMAIL_QUEUE);

/**
 * Rows per send job: a job's Redis scripts (fetch, lock, complete) are shared by its rows. An unlimited channel
 * takes 25; a paced one a job per 50 units a second of its rate, at most 10 (one row at a low rate, so a job
 * never waits long for its rows' slots: 5 rows at 250 segments/s span ~40 ms of the schedule). Each row still
 * waits for its own slot, and is claimed and admitted on its own (SendPacer, SenderService).
 */
export const UNLIMITED_BATCH = 25;
export const batchSizeFor = (ratePerSecond: number) =>
  ratePerSecond > 0 ? Math.min(10, Math.max(1, Math.floor(ratePerSecond / 50))) : UNLIMITED_BATCH;

/** The rows a send job carries (the job id is on each row, for the re-drive). Options: JOBS in platform/queue. */
export interface SendJob {
  ids: string[];
}
