import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../platform/config';
import { REDIS } from '../platform/redis/redis.module';
import type { Channel } from './message-kinds';

/** Sends are spaced for 97% of the configured rate: the 3% absorbs timer and network jitter (see below). */
export const PACING_HEADROOM = 0.97;

/** Microseconds between two sends of a channel limited to `ratePerSecond` (fleet-wide); 0 = no limit. */
export function pacingIntervalUs(ratePerSecond: number): number {
  return ratePerSecond > 0 ? Math.ceil(1_000_000 / (ratePerSecond * PACING_HEADROOM)) : 0;
}

/**
 * Reserves the next `ARGV[2]` send slots of a channel, `ARGV[1]` µs apart, on Redis's clock (one clock for
 * every worker), and answers the first slot and the time now (µs). A channel idle for a while starts again
 * from now: unused slots are not saved up into a burst.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.0f', slot + tonumber(ARGV[1]) * tonumber(ARGV[2])), 'PX', 60000)
return {string.format('%.0f', slot), string.format('%.0f', now)}`;

/**
 * The per-channel rate limit (SMS_RATE_PER_SECOND, EMAIL_RATE_PER_SECOND), global across every worker: each
 * send of a limited channel first reserves its own time slot in Redis and waits for it, so sends leave evenly
 * spaced rather than in windows. Any sliding second then holds at most rate × 0.97 slots, plus what jitter
 * between a slot and the provider's clock can squeeze in (one more per ~10 ms of jitter at 100/s); the average
 * stays at 97% of the rate while there is work. (BullMQ's fixed-window limiter, used before, had to trade
 * one: a window's worth of burst on top of the average in the worst sliding second.)
 *
 * The wait happens before a row is claimed, up to CLAIM_LEAD_MS before its slot, and the rest right before the
 * provider call: a long wait (many jobs, a low rate) never makes a claimed row look abandoned to the sweeper or
 * another worker, and the claim's own time does not jitter the sends.
 */
@Injectable()
export class SendPacer {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /**
   * Reserves `sends` consecutive slots on `channel` and resolves CLAIM_LEAD_MS before the first; the function
   * it returns resolves at slot `i` (both at once on a channel without a limit).
   */
  async turn(channel: Channel, sends = 1): Promise<(i: number) => Promise<void>> {
    const slot = await this.reserve(channel, sends);
    if (!slot) return now;
    const interval = this.intervalUs(channel) / 1000;
    const due = performance.now() + (slot.slotUs - slot.nowUs) / 1000;
    await sleepUntil(due - CLAIM_LEAD_MS);
    return (i) => sleepUntil(due + i * interval);
  }

  /** The slot reserved for the first of `sends` messages, on Redis's clock; null without a limit. */
  async reserve(channel: Channel, sends = 1): Promise<{ slotUs: number; nowUs: number } | null> {
    const interval = this.intervalUs(channel);
    if (!interval) return null;
    const key = `${this.config.redis.prefix}:pace:${channel}`;
    const [slot, now] = (await this.redis.eval(RESERVE, 1, key, interval, sends)) as [string, string];
    return { slotUs: Number(slot), nowUs: Number(now) };
  }

  private intervalUs(channel: Channel): number {
    const n = this.config.notifications;
    return pacingIntervalUs(channel === 'sms' ? n.smsRatePerSecond : n.emailRatePerSecond);
  }
}

/** How long before its slot a send is let go to claim its row and render (both take milliseconds). */
const CLAIM_LEAD_MS = 50;

const now = () => Promise.resolve();

function sleepUntil(t: number): Promise<void> {
  const ms = t - performance.now();
  return ms >= 0.5 ? new Promise((r) => setTimeout(r, Math.round(ms))) : Promise.resolve();
}
