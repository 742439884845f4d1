import type { Channel } from './message-kinds';

export const SMS_QUEUE = 'send-sms';
export const EMAIL_QUEUE = 'send-email';

export const queueFor = (channel: Channel) => (channel === 'sms' ? SMS_QUEUE : EMAIL_QUEUE);

/** One job per enqueue of a row: a re-enqueued row gets a new id, so a lost or finished job never blocks it. */
export const jobIdFor = (id: string, enqueueCount: number) => `m${id}-${enqueueCount}`;

export interface SendJob {
  id: string;
}
