import { Unavailable } from '../http/domain-error';

/**
 * Redis (the work queue) could not take a job in time. The change itself is saved in PostgreSQL; the re-drive
 * sweep enqueues its work once Redis answers again, so the caller is told so instead of waiting.
 */
export class QueueUnavailableError extends Unavailable {
  constructor(what: string) {
    super(
      `The work queue is unavailable (${what}). The change is saved and its work will be queued ` +
        'automatically when the queue is back; do not repeat it.',
    );
  }
}
