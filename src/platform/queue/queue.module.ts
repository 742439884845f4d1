import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config';
import { DurableWork } from './durable-work';
import { QUEUE_NAMES } from './jobs';
import { QueueSweep } from './queue-sweep';
import { WorkerRunner } from './worker-runner';

/** Parses redis://[user:pass@]host:port[/db] into ioredis options for BullMQ (one place, one format). */
export function redisConnection(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null, // required by BullMQ workers
  };
}

/**
 * The queues of every job in JOBS, registered once here (modules inject them with @InjectQueue or, better,
 * add jobs through DurableWork); the durable-work primitive; the one sweep; the worker runner.
 */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: redisConnection(config.redis.url),
        prefix: config.redis.prefix,
      }),
    }),
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
  ],
  providers: [WorkerRunner, DurableWork, QueueSweep],
  exports: [WorkerRunner, DurableWork, QueueSweep, BullModule],
})
export class QueueModule {}
