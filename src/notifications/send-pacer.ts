import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppConfig } from '../platform/config';
import { REDIS } from '../platform/redis/redis.module';
import type { Channel } from './message-kinds';
import { SendJitter } from './send-jitter';

/**
 * The most of the configured rate sends are spaced for: 99%, the 1% absorbing timer and network jitter on a
 * quiet machine. A worker that measures more jitter paces lower (`headroomFor`).
 */
export const PACING_HEADROOM = 0.99;

/** The fraction of the rate to pace at when admitted sends may reach the provider `allowanceUs` apart. */
export function headroomFor(allowanceUs: number): number {
  return Math.min(PACING_HEADROOM, 1_000_000 / (1_000_000 + allowanceUs));
}

/** Microseconds between two units (segments, emails) of a lane limited to `ratePerSecond`; 0 = no limit. */
export function pacingIntervalUs(ratePerSecond: number, headroom = PACING_HEADROOM): number {
  return ratePerSecond > 0 ? Math.ceil(1_000_000 / (ratePerSecond * headroom)) : 0;
}

/** A start is admitted only while fewer than `starts` sends started within the last `windowUs`. */
export interface StartCap {
  starts: number;
  windowUs: number;
}

/** The wider window: 1 s / headroom (1.0101 s at 0.99, 1.031 s at 0.97). */
export const capWindowUs = (headroom = PACING_HEADROOM) => Math.floor(1_000_000 / headroom);
export const CAP_WINDOW_US = capWindowUs();

/**
 * The hard caps on starts of a channel limited to `ratePerSecond` and paced at `headroom`, widest count first:
 * - at most `rate` in any 1 s / headroom (1.0101 s at 0.99): the time beyond the second is the spread of
 *   start-to-arrival delays the provider's clock may see while its own sliding second still holds at most
 *   `rate` (a worker that measures a wider spread paces at a lower headroom: `headroomFor`);
 * - at most as many in any second as the schedule puts there (99 at 100/s and 0.99), so sends that left their
 *   slots late cannot bunch up beyond the schedule.
 * Evenly paced sends meet both (a slot is at least 1 s / headroom after the `rate`-th slot before it), so
 * only bunched sends ever wait.
 */
export function startCaps(ratePerSecond: number, units = 1, headroom = PACING_HEADROOM): StartCap[] {
  const interval = pacingIntervalUs(ratePerSecond, headroom);
  if (!interval) return [];
  // A send of `units` (an SMS's segments) takes `units` slots: evenly paced sends of that size put at most
  // units × ceil(window / (units × interval)) units in a window, which the second cap must allow.
  const scheduled = (windowUs: number) => units * Math.ceil(windowUs / (units * interval));
  return [
    { starts: ratePerSecond, windowUs: capWindowUs(headroom) },
    {
      starts: Math.min(ratePerSecond, Math.max(Math.ceil(1_000_000 / interval), scheduled(1_000_000))),
      windowUs: 1_000_000,
    },
  ];
}

/**
 * Reserves `ARGV[1]` units (segments) on the lane of `KEYS` (all but the last) whose next free slot comes first (among lanes
 * idle since before now, the one idle longest, so a pool that is not kept busy still shares out), each lane's
 * units `ARGV[i + 1]` µs apart, on Redis's clock (one clock for every worker); answers the lane's index, its
 * slot and the time now (µs). A lane idle for a while starts again from now: unused slots are not saved up
 * into a burst. The key lives as long as its schedule reaches ahead, plus a minute.
 * The last key holds each worker's jitter allowance (field: the worker, value: `µs:when`): the worker's own
 * (the last two ARGV) is recorded, and the widest reported in the last 10 s is answered too, so every worker
 * paces for the worst of them (their sends mix at the provider).
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local lanes = #KEYS - 1
local best, free = 1, nil
for i = 1, lanes do
  local f = tonumber(redis.call('GET', KEYS[i]) or '0')
  if not free or f < free then best, free = i, f end
end
local slot = math.max(now, free)
local nextSlot = slot + tonumber(ARGV[best + 1]) * tonumber(ARGV[1])
redis.call('SET', KEYS[best], string.format('%.0f', nextSlot), 'PX', math.floor((nextSlot - now) / 1000) + 60000)
local j = KEYS[lanes + 1]
redis.call('HSET', j, ARGV[lanes + 2], ARGV[lanes + 3] .. ':' .. string.format('%.0f', now))
local widest = 0
local all = redis.call('HGETALL', j)
for k = 1, #all, 2 do
  local us, at = string.match(all[k + 1], '(%d+):(%d+)')
  if now - tonumber(at) > 10000000 then redis.call('HDEL', j, all[k]) else widest = math.max(widest, tonumber(us)) end
end
redis.call('PEXPIRE', j, 60000)
return {best - 1, string.format('%.0f', slot), string.format('%.0f', now), string.format('%.0f', widest)}`;

/**
 * Admits a send of `ARGV[1]` units now if, for every (count, window) pair after it, at most `count - units`
 * units of the lane started within the last `window` µs (Redis's clock), recording its units' start; else
 * answers how many µs until that holds. The starts are a list, newest first, one entry a unit, as long as the
 * first (largest) count: so no window ever holds more than its count of units, whatever the workers do.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local units = tonumber(ARGV[1])
local wait = 0
for i = 2, #ARGV, 2 do
  local before = redis.call('LINDEX', KEYS[1], math.max(0, tonumber(ARGV[i]) - units))
  if before then wait = math.max(wait, tonumber(before) + tonumber(ARGV[i + 1]) - now) end
end
if wait > 0 then return {0, string.format('%.0f', wait)} end
for _ = 1, units do redis.call('LPUSH', KEYS[1], string.format('%.0f', now)) end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], 60000)
return {1, string.format('%.0f', now)}`;

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
   * Resolves once the hard caps have admitted `units` (the rendered SMS's segments; 1 an email) for this send on
   * its lane. Called last before the call (only the lease check and the call mark follow), so what the provider
   * sees spreads by as little as possible beyond what the caps admitted.
   */
  cover(units: number): Promise<void>;
  /** The provider call starts now, and (`answered`) its answer came: how far admitted sends drift apart. */
  calling(): void;
  answered(): void;
}

/** What a job's sends got: a wait that resolves at send `i`'s slot, and each send's placement and admission. */
export interface Turn {
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
 * - hard caps, checked right before the claim (ADMIT, `startCaps`): at most `rate` units in any 1 s / headroom
 *   and at most the schedule's count (99 at 100/s) in any second. Sends that left their slots late (a stalled
 *   event loop, a busy CPU) and would bunch up wait instead, so the provider sees at most `rate` in any
 *   sliding second as long as the delays between our admission and its clock differ by less than
 *   1 s / headroom - 1 s.
 * The headroom is 0.99 on a quiet machine; each worker measures that spread over its recent sends (SendJitter:
 * admission to call start, admission to answer) and paces lower while it is wider (30 ms: 0.97), so a slow
 * database or a busy CPU lowers the rate instead of raising the worst second.
 *
 * The wait happens before a row is claimed (the sender claims each row only once `go` has resolved, right
 * before the provider call): a claimed row never waits for the pacer, however many jobs share a low rate, so a
 * claim cannot go stale while its worker lives and be taken again (the sweeper and other workers treat a
 * claim older than SEND_STALE_SECONDS as abandoned). An unlimited pool spreads its sends over its senders in
 * turn.
 */
@Injectable()
export class SendPacer {
  private roundRobin = 0;
  /** Per channel: the spread between an admission and the provider's clock, as this worker measures it. */
  private readonly jitter = { sms: new SendJitter(), email: new SendJitter() };
  /** Per channel: the widest allowance any worker reported lately (RESERVE answers it). */
  private readonly fleetUs = { sms: 0, email: 0 };
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
   * (at once without a limit), and `send(i).cover(n)` admits it through the caps right before its call.
   */
  async turn(channel: Channel, units: number[]): Promise<Turn> {
    const lanes = this.lanes(channel);
    if (!this.limited(channel)) {
      const senders = units.map(() => lanes[this.roundRobin++ % lanes.length].sender);
      return { go: now, send: (i) => ({ from: senders[i], cover: now, calling: noop, answered: noop }) };
    }
    const slots: Array<{ lane: number; slotUs: number; nowUs: number }> = [];
    for (const u of units) slots.push((await this.reserve(channel, u))!);
    const local = performance.now();
    const dues = slots.map((s) => local + (s.slotUs - s.nowUs) / 1000);
    const admitted = units.map(() => 0);
    const admittedAt = units.map(() => 0);
    const calledAt = units.map(() => 0);
    return {
      go: (i) => sleepUntil(dues[i]),
      send: (i) => ({
        from: lanes[slots[i].lane].sender,
        cover: async (n) => {
          if (n <= admitted[i]) return;
          await this.admit(channel, n - admitted[i], slots[i].lane);
          admitted[i] = n;
          admittedAt[i] = performance.now();
        },
        calling: () => void (calledAt[i] = performance.now()),
        answered: () => {
          if (admittedAt[i] && calledAt[i])
            this.jitter[channel].record(calledAt[i] - admittedAt[i], performance.now() - admittedAt[i]);
        },
      }),
    };
  }

  /**
   * Waits until the hard caps of a lane let a send of `units` start now, and records its start; resolves with
   * the start on Redis's clock (µs), or null on a channel without a limit.
   */
  async admit(channel: Channel, units = 1, lane = 0): Promise<number | null> {
    const l = this.lanes(channel)[lane];
    const n = Math.min(units, l.ratePerSecond);
    const caps = startCaps(l.ratePerSecond, n, this.headroom(channel)).flatMap((c) => [c.starts, c.windowUs]);
    if (!caps.length) return null;
    const key = `${this.config.redis.prefix}:pace-starts:${laneKey(channel, l)}`;
    for (;;) {
      const [admitted, us] = (await this.redis.eval(ADMIT, 1, key, n, ...caps)) as [number, string];
      if (admitted) return Number(us);
      await new Promise((r) => setTimeout(r, Math.ceil(Number(us) / 1000)));
    }
  }

  /** The lane and slot reserved for a send of `units`, on Redis's clock; null without a limit. */
  async reserve(
    channel: Channel,
    units = 1,
  ): Promise<{ lane: number; slotUs: number; nowUs: number } | null> {
    if (!this.limited(channel)) return null;
    const lanes = this.lanes(channel);
    const keys = lanes.map((l) => `${this.config.redis.prefix}:pace:${laneKey(channel, l)}`);
    const intervals = lanes.map((l) => pacingIntervalUs(l.ratePerSecond, this.headroom(channel)));
    const jitterKey = `${this.config.redis.prefix}:pace-jitter:${channel}`;
    const own = this.jitter[channel].allowanceUs();
    const [lane, slot, now, widest] = (await this.redis.eval(
      RESERVE,
      keys.length + 1,
      ...keys,
      jitterKey,
      units,
      ...intervals,
      this.workerId,
      own,
    )) as [number, string, string, string];
    this.fleetUs[channel] = Number(widest);
    return { lane: Number(lane), slotUs: Number(slot), nowUs: Number(now) };
  }

  /**
   * The fraction of the rate a channel is paced at: 0.99, less while this worker or another measures more
   * jitter (the widest of the fleet: admitted sends of every worker mix at the provider).
   */
  headroom(channel: Channel): number {
    return headroomFor(Math.max(this.jitter[channel].allowanceUs(), this.fleetUs[channel]));
  }
}

const laneKey = (channel: Channel, l: Lane) => (l.sender === null ? channel : `${channel}:${l.sender}`);

const now = () => Promise.resolve();
const noop = () => undefined;

function sleepUntil(t: number): Promise<void> {
  const ms = t - performance.now();
  return ms >= 0.5 ? new Promise((r) => setTimeout(r, Math.round(ms))) : Promise.resolve();
}
