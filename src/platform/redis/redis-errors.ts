import { Logger } from '@nestjs/common';
import { scrubPii } from '../privacy/msisdn';

const EVERY_MS = 60_000;

/**
 * Connection errors of a Redis client (or a BullMQ queue or worker) through the logger: one line per source
 * a minute, the message only (no multi-line stack) and scrubbed of numbers. Without a listener ioredis
 * prints every reconnect failure's stack to stderr, outside the logger and its masking.
 */
export class RedisErrorLog {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs it unless this source logged within the last minute; true when it was logged. */
  report(source: string, err: Error): boolean {
    const now = this.now();
    if (now - (this.last.get(source) ?? -Infinity) < EVERY_MS) return false;
    this.last.set(source, now);
    const text = String(err?.message ?? err).split('\n')[0];
    this.logger.error(scrubPii(`${source}: ${text}`));
    return true;
  }

  /** Listens to `emitter`'s errors (an ioredis client, a Queue, a Worker). */
  watch(source: string, emitter: { on(event: 'error', fn: (err: Error) => void): unknown }): void {
    emitter.on('error', (err: Error) => this.report(source, err));
  }
}
