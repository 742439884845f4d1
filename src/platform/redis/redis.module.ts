import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config';
import { RedisErrorLog } from './redis-errors';

export const REDIS = Symbol('REDIS');

/**
 * Fixed-window counters in Redis: shared by every API instance, so a limit holds across the fleet.
 * Keys carry the configured prefix; callers pass pseudonymised subjects (never raw numbers).
 */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** Counts one hit; returns false when `limit` is already used up in this window. */
  async hit(bucket: string, subject: string, limit: number, windowSeconds: number): Promise<boolean> {
    const key = `${this.config.redis.prefix}:rl:${bucket}:${subject}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, windowSeconds, 'NX').exec()) as [
      [unknown, number],
    ];
    return count <= limit;
  }

  async count(bucket: string, subject: string): Promise<number> {
    return Number((await this.redis.get(`${this.config.redis.prefix}:rl:${bucket}:${subject}`)) ?? 0);
  }

  /** Takes back one hit (an attempt counted up front that turned out to be fine). */
  async undo(bucket: string, subject: string): Promise<void> {
    await this.redis.decr(`${this.config.redis.prefix}:rl:${bucket}:${subject}`);
  }

  async reset(bucket: string, subject: string): Promise<void> {
    await this.redis.del(`${this.config.redis.prefix}:rl:${bucket}:${subject}`);
  }
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3, lazyConnect: false });
        new RedisErrorLog(new Logger('Redis')).watch('redis', redis);
        return redis;
      },
    },
    RateLimiter,
    RedisCloser,
  ],
  exports: [REDIS, RateLimiter],
})
export class RedisModule {}
