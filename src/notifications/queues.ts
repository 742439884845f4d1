import type { Channel } from './message-kinds';

export const SMS_QUEUE = 'send-sms';
export const EMAIL_QUEUE = 'send-email';

export const queueFor = (channel: Channel) => (channel === 'sms' ? SMS_QUEUE : EMAIL_QUEUE);

/**
 * One job per enqueue of a row: a re-enqueued row gets a new id, so a lost or finished job never blocks it.
 * The enqueue time is part of it, so a re-created database (ids from 1 again) never meets an old job in Redis.
 */
export const jobIdFor = (r: { id: string; enqueue_count: number; queued_ms: string }) =>
  `m${r.id}-${r.enqueue_count}-${r.queued_ms}`;

/** Postgres holds every outcome; Redis keeps only failed send jobs, briefly, for inspection. */
export const SEND_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: { count: 1000, age: 24 * 3600 } };

export interface SendJob {
  id: string;
}
