import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppConfig } from '../platform/config';
import { REDIS } from '../platform/redis/redis.module';
import type { Channel } from './message-kinds';
import { SendDelay } from './send-delay';

/** The most of the configured rate sends are scheduled at: 99% (`headroomFor` lowers it for slow answers). */
export const PACING_HEADROOM = 0.99;

/**
 * How long a start counts against its lane's rate after its answer: the provider's second, plus 2 ms for a
 * clock that reads whole milliseconds (each end of its second may read up to 1 ms early).
 */
export const WINDOW_US = 1_002_000;

/**
 * How long a start with no answer yet counts at most (a worker killed mid-call never reports it): beyond the
 * providers' call timeouts (Twilio's client: 10 s), so a call still on the wire is never forgotten.
 */
export const UNANSWERED_US = 30_000_000;

/**
 * The fraction of the rate to schedule sends at when their answers come `delayUs` after their admission (the
 * mean): each start holds its unit of the rate from its admission until a window after its answer, so a lane
 * sustains at most `rate × 1 s / (window + delay)`. Scheduling at that pace keeps the admissions' waits short.
 */
export function headroomFor(delayUs: number): number {
  return Math.min(PACING_HEADROOM, 1_000_000 / (WINDOW_US + delayUs));
}

/** Microseconds between two units (segments, emails) of a lane limited to `ratePerSecond`; 0 = no limit. */
export function pacingIntervalUs(ratePerSecond: number, headroom = PACING_HEADROOM): number {
  return ratePerSecond > 0 ? Math.ceil(1_000_000 / (ratePerSecond * headroom)) : 0;
}

/**
 * Reserves the slots of a job's sends, `ARGV[1]` of them, their units (segments) in the ARGV after the lanes'
 * intervals: each on the lane of `KEYS` whose next free slot comes first (among lanes idle since before now,
 * the one idle longest, so a pool that is not kept busy still shares out), each lane's units `ARGV[i + 1]` µs
 * apart, on Redis's clock (one clock for every worker); answers the time now (µs), and each send's lane index
 * and slot. A lane idle for a while starts again from now: unused slots are not saved up into a burst. A lane's
 * key lives as long as its schedule reaches ahead, plus a minute.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local lanes = #KEYS
local free = {}
for i = 1, lanes do free[i] = tonumber(redis.call('GET', KEYS[i]) or '0') end
local out = {string.format('%.0f', now)}
for s = 1, tonumber(ARGV[1]) do
  local best = 1
  for i = 2, lanes do if free[i] < free[best] then best = i end end
  local slot = math.max(now, free[best])
  free[best] = slot + tonumber(ARGV[best + 1]) * tonumber(ARGV[lanes + 1 + s])
  out[#out + 1] = best - 1
  out[#out + 1] = string.format('%.0f', slot)
end
for i = 1, lanes do
  if free[i] > now then
    redis.call('SET', KEYS[i], string.format('%.0f', free[i]), 'PX', math.floor((free[i] - now) / 1000) + 60000)
  end
end
return out`;

/**
 * Admits a send of `ARGV[1]` units now if its lane (`ARGV[2]` units a second) has room, on Redis's clock; else
 * answers how many µs until it may have. `KEYS[1]` holds the lane's recent starts, a unit a member (the send's
 * token `ARGV[3]` and the unit's number), scored by when it stops counting: `ARGV[4]` µs after its start until
 * its answer is reported (ANSWERED), then a window (`ARGV[5]` µs) after the answer. A start holds its place while
 * the provider may still see it arrive: between its admission and its answer, and a second on.
 *
 * Why no sliding second at the provider can hold more than the rate, whatever the delays between the two: take
 * any second, and the send in it admitted last. Every other send that arrived in that second arrived less than
 * a second before that one did, so it was answered (after it arrived) later than a second before that last
 * admission (which came before its arrival): at that admission each of them still counted here.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local units = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local over = redis.call('ZCARD', KEYS[1]) + units - tonumber(ARGV[2])
if over > 0 then
  -- room comes when the over-th start to stop counting stops; an unanswered one counts a window after its answer
  local s = redis.call('ZRANGE', KEYS[1], over - 1, over - 1, 'WITHSCORES')
  return {0, string.format('%.0f', math.max(1000, math.min(tonumber(s[2]) - now, tonumber(ARGV[5]))))}
end
for u = 1, units do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3] .. ':' .. u) end
redis.call('PEXPIRE', KEYS[1], math.floor(tonumber(ARGV[4]) / 1000) + 60000)
return {1, string.format('%.0f', now)}`;

/** The provider answered send `ARGV[1]` (or it was never called): its `ARGV[2]` units count a window (`ARGV[3]` µs) from now. */
const ANSWERED = `
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[3])
for u = 1, tonumber(ARGV[2]) do redis.call('ZADD', KEYS[1], 'XX', 'LT', until_, ARGV[1] .. ':' .. u) end
return 1`;

/** A send admitted on its lane at `atUs` (Redis's clock); `done()` once the provider answered it, or never will. */
export interface Admission {
  atUs: number;
  done(): Promise<void>;
}

/** A send's place: the lane (its index) and slot it got, and the time of the reservation, on Redis's clock (µs). */
export interface Slot {
  lane: number;
  slotUs: number;
  nowUs: number;
}

/** A paced lane: one SMS sender (units are segments), or the email channel (units are messages). */
export interface Lane {
  /** The sender (`From` or Messaging Service SID) for SMS; null for email. */
  sender: string | null;
  ratePerSecond: number;
}

/** One send of a job, as the pacer placed it. */
export interface PacedSend {
  /** The sender of the pool it goes from (`From` or Messaging Service SID); null for email. */
  from: string | null;
  /**
   * Resolves once its lane has admitted `units` (the rendered SMS's segments; 1 an email) for this send. Called
   * right before the provider call: the sooner the answer follows, the sooner its place is free again.
   */
  cover(units: number): Promise<void>;
  /** The provider answered (or failed, or the send will not be made): its units count one window from now. */
  done(): void;
}

/** What a job's sends got: a wait that resolves at send `i`'s slot, and each send's placement and admission. */
export interface Turn {
  /** The send whose slot comes first. */
  first: number;
  go(i: number): Promise<void>;
  send(i: number): PacedSend;
}

/**
 * The send rate limits, global across every worker, in Redis. SMS are paced in SEGMENTS per second per sender
 * of the pool (SMS_SENDERS, SMS_RATE_PER_SECOND: Twilio's limit counts segments, and each sender has its
 * own), email in messages per second (EMAIL_RATE_PER_SECOND). Each lane has two parts:
 * - a schedule: each send first reserves its units on the pool's lane with the earliest free slot (so the
 *   senders share the work in proportion to their rates, and the pool's total is the sum) and waits for it,
 *   so sends leave evenly spaced (`rate × headroom` units a second) rather than in bursts;
 * - the admission, right before the provider call (ADMIT): a start counts against the lane's rate from its
 *   admission until a second after the provider's answer, so the provider sees at most `rate` in any sliding
 *   second whatever the delays between our admission and its clock (a stalled event loop, a busy CPU, a slow
 *   network): no estimate of them is needed. Slow answers cost rate, never the limit: the lane sustains
 *   `rate × 1 s / (1 s + the mean delay to the answer)`, so each worker schedules at that pace (`headroomFor`,
 *   its mean over its recent sends, SendDelay) and its sends rarely wait long at the admission.
 *
 * A job's rows are claimed together when the first of their slots comes (`Turn.first`; they fall within a few
 * pool intervals): a claimed row waits for the pacer only that long and at its admission. An unlimited pool
 * spreads its sends over its senders in turn.
 */
@Injectable()
export class SendPacer {
  private roundRobin = 0;
  private sends = 0;
  /** Per channel: the mean delay from an admission to its answer, as this worker measures it. */
  private readonly delay = { sms: new SendDelay(), email: new SendDelay() };
  private readonly workerId = randomUUID();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** The lanes of a channel: one per SMS sender, one for email. */
  lanes(channel: Channel): Lane[] {
    const n = this.config.notifications;
    if (channel === 'email') return [{ sender: null, ratePerSecond: n.emailRatePerSecond }];
    return n.smsSenders.map((x) => ({ sender: x.id, ratePerSecond: x.segmentsPerSecond }));
  }

  /** Whether a channel is paced (every lane has a rate: the config refuses a pool only partly limited). */
  limited(channel: Channel): boolean {
    return this.lanes(channel).every((l) => l.ratePerSecond > 0);
  }

  /**
   * Reserves each send's units (segments of an SMS; 1 an email) on a lane; `go(i)` resolves at send `i`'s slot
   * (at once without a limit), and `send(i).cover(n)` admits it right before its call.
   */
  async turn(channel: Channel, units: number[]): Promise<Turn> {
    const lanes = this.lanes(channel);
    if (!this.limited(channel)) {
      const senders = units.map(() => lanes[this.roundRobin++ % lanes.length].sender);
      return { first: 0, go: now, send: (i) => ({ from: senders[i], cover: now, done: noop }) };
    }
    const slots = (await this.reserveAll(channel, units))!;
    const local = performance.now();
    const dues = slots.map((s) => local + (s.slotUs - s.nowUs) / 1000);
    const admissions: Array<Admission | null> = units.map(() => null);
    return {
      first: dues.indexOf(Math.min(...dues)),
      go: (i) => sleepUntil(dues[i]),
      send: (i) => ({
        from: lanes[slots[i].lane].sender,
        cover: async (n) => {
          if (!admissions[i]) admissions[i] = await this.admit(channel, n, slots[i].lane);
        },
        done: () => {
          void admissions[i]?.done();
          admissions[i] = null;
        },
      }),
    };
  }

  /**
   * Waits until a lane has room for a send of `units` now, and counts it there until `done()` (then a window
   * more); resolves with its admission, or null on a channel without a limit.
   */
  async admit(channel: Channel, units = 1, lane = 0): Promise<Admission | null> {
    const l = this.lanes(channel)[lane];
    if (!(l.ratePerSecond > 0)) return null;
    const n = Math.min(units, l.ratePerSecond);
    const key = `${this.config.redis.prefix}:pace-starts:${laneKey(channel, l)}`;
    const token = `${this.workerId}:${++this.sends}`;
    let atUs: number;
    for (;;) {
      const [admitted, us] = (await this.redis.eval(
        ADMIT,
        1,
        key,
        n,
        l.ratePerSecond,
        token,
        UNANSWERED_US,
        WINDOW_US,
      )) as [number, string];
      if (admitted) {
        atUs = Number(us);
        break;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(Number(us) / 1000)));
    }
    const admittedAt = performance.now();
    let reported = false;
    return {
      atUs,
      done: async () => {
        if (reported) return;
        reported = true;
        this.delay[channel].record(performance.now() - admittedAt);
        // Not reported (Redis gone): the start counts UNANSWERED_US instead, which only slows the lane.
        await this.redis.eval(ANSWERED, 1, key, token, n, WINDOW_US).catch(() => undefined);
      },
    };
  }

  /** The lane and slot reserved for a send of `units`, on Redis's clock; null without a limit. */
  async reserve(channel: Channel, units = 1): Promise<Slot | null> {
    return (await this.reserveAll(channel, [units]))?.[0] ?? null;
  }

  /** Slots for a job's sends (their units each), in one script; null without a limit. */
  async reserveAll(channel: Channel, units: number[]): Promise<Slot[] | null> {
    if (!this.limited(channel)) return null;
    const lanes = this.lanes(channel);
    const keys = lanes.map((l) => `${this.config.redis.prefix}:pace:${laneKey(channel, l)}`);
    const intervals = lanes.map((l) => pacingIntervalUs(l.ratePerSecond, this.headroom(channel)));
    const [now, ...placed] = (await this.redis.eval(
      RESERVE,
      keys.length,
      ...keys,
      units.length,
      ...intervals,
      ...units,
    )) as Array<number | string>;
    return units.map((_, i) => ({
      lane: Number(placed[2 * i]),
      slotUs: Number(placed[2 * i + 1]),
      nowUs: Number(now),
    }));
  }

  /**
   * The fraction of the rate this worker schedules a channel's sends at: 0.99, less while the provider answers
   * it slowly (its sends hold their places longer). Each worker's own: the admission holds the limit for all of
   * them, and a schedule kept slow for another's stall would leave the lanes' room unused.
   */
  headroom(channel: Channel): number {
    return headroomFor(this.delay[channel].meanUs());
  }
}

const laneKey = (channel: Channel, l: Lane) => (l.sender === null ? channel : `${channel}:${l.sender}`);

const now = () => Promise.resolve();
const noop = () => undefined;

function sleepUntil(t: number): Promise<void> {
  const ms = t - performance.now();
  return ms >= 0.5 ? new Promise((r) => setTimeout(r, Math.round(ms))) : Promise.resolve();
}
