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

/** A start is admitted only while fewer than `starts` sends started within the last `windowUs`. */
export interface StartCap {
  starts: number;
  windowUs: number;
}

/** The wider window: 1 s / 0.97 ≈ 1.031 s. */
export const CAP_WINDOW_US = Math.floor(1_000_000 / PACING_HEADROOM);

/**
 * The hard caps on starts of a channel limited to `ratePerSecond`, widest count first:
 * - at most `rate` in any 1.031 s: the 31 ms beyond the second is the spread of start-to-arrival delays the
 *   provider's clock may see while its own sliding second still holds at most `rate`;
 * - at most as many in any second as the schedule puts there (97 at 100/s), so sends that left their slots
 *   late cannot bunch up beyond the schedule, which keeps the 3% margin for late arrivals.
 * Evenly paced sends meet both (a slot is at least 1.031 s after the `rate`-th slot before it), so only
 * bunched sends ever wait.
 */
export function startCaps(ratePerSecond: number): StartCap[] {
  const interval = pacingIntervalUs(ratePerSecond);
  if (!interval) return [];
  return [
    { starts: ratePerSecond, windowUs: CAP_WINDOW_US },
    { starts: Math.ceil(1_000_000 / interval), windowUs: 1_000_000 },
  ];
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
 * Admits a send now if, for every (count, window) pair in ARGV, fewer than `count` sends of the channel started
 * within the last `window` µs (Redis's clock), recording its start; else answers how many µs until they have.
 * The starts are a list, newest first, as long as the first count: a start is admitted only when the
 * count-th start before it is at least a window old, so no window ever holds more than its count of starts,
 * whatever the workers do.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
for i = 1, #ARGV, 2 do
  local before = redis.call('LINDEX', KEYS[1], tonumber(ARGV[i]) - 1)
  if before then wait = math.max(wait, tonumber(before) + tonumber(ARGV[i + 1]) - now) end
end
if wait > 0 then return {0, string.format('%.0f', wait)} end
redis.call('LPUSH', KEYS[1], string.format('%.0f', now))
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call('PEXPIRE', KEYS[1], 60000)
return {1, string.format('%.0f', now)}`;

/**
 * The per-channel rate limit (SMS_RATE_PER_SECOND, EMAIL_RATE_PER_SECOND), global across every worker, in two
 * parts, both in Redis:
 * - a schedule: each send first reserves its own time slot and waits for it, so sends leave evenly spaced
 *   (`rate × 0.97` a second) rather than in bursts, and the average stays at 97% of the rate while there is work;
 * - hard caps, checked right before the provider call (ADMIT, `startCaps`): at most `rate` starts in any
 *   1.031 s and at most the schedule's count (97 at 100/s) in any second. Sends that left their slots late (a
 *   stalled event loop, a busy CPU) and would bunch up wait instead, so the provider sees at most `rate` in
 *   any sliding second as long as the delays between our start and its clock differ by less than 31 ms. The
 *   schedule alone could not promise that: late sends bunched.
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
   * it returns resolves at slot `i` once the caps admit the send (both at once on a channel without a limit).
   */
  async turn(channel: Channel, sends = 1): Promise<(i: number) => Promise<void>> {
    const slot = await this.reserve(channel, sends);
    if (!slot) return now;
    const interval = this.intervalUs(channel) / 1000;
    const due = performance.now() + (slot.slotUs - slot.nowUs) / 1000;
    await sleepUntil(due - CLAIM_LEAD_MS);
    return async (i) => {
      await sleepUntil(due + i * interval);
      await this.admit(channel);
    };
  }

  /**
   * Waits until the hard caps let a send of `channel` start now, and records its start; resolves with the
   * start on Redis's clock (µs), or null on a channel without a limit.
   */
  async admit(channel: Channel): Promise<number | null> {
    const caps = startCaps(this.rate(channel)).flatMap((c) => [c.starts, c.windowUs]);
    if (!caps.length) return null;
    const key = `${this.config.redis.prefix}:pace-starts:${channel}`;
    for (;;) {
      const [admitted, us] = (await this.redis.eval(ADMIT, 1, key, ...caps)) as [number, string];
      if (admitted) return Number(us);
      await new Promise((r) => setTimeout(r, Math.ceil(Number(us) / 1000)));
    }
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
    return pacingIntervalUs(this.rate(channel));
  }

  private rate(channel: Channel): number {
    const n = this.config.notifications;
    return channel === 'sms' ? n.smsRatePerSecond : n.emailRatePerSecond;
  }
}

/** How long before its slot a send is let go to claim its row and render (both take milliseconds). */
const CLAIM_LEAD_MS = 50;

const now = () => Promise.resolve();

function sleepUntil(t: number): Promise<void> {
  const ms = t - performance.now();
  return ms >= 0.5 ? new Promise((r) => setTimeout(r, Math.round(ms))) : Promise.resolve();
}
