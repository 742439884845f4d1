import { Redis } from 'ioredis';

/**
 * Deletes every key of one app's prefix (its queues, leases, rate limits), as a Redis that lost its data would
 * look to that app; other suites share the server, so nothing else is touched. Returns how many keys went.
 */
export async function flushPrefix(prefix: string, url = 'redis://127.0.0.1:6379'): Promise<number> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    return keys.length;
  } finally {
    redis.disconnect();
  }
}
