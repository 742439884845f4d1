import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Actor, SYSTEM_ACTOR } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { CustomerAuthService } from '../identity/customer-auth.service';
import { newOtpCode } from '../identity/secrets';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { DurableWork } from '../platform/queue/durable-work';
import { Pseudonymiser } from '../platform/privacy';
import { SubscribersService } from '../subscribers/subscribers.service';
import { FraudFacts, FraudRules, FraudSignalCode, fraudSignals, holdsForSupervisor } from './fraud-rules';
import { NumberChangeStep } from './number-change-messages';
import { NumberChangeNotifier } from './number-change-notifier';
import { NumberChangeRequest } from './number-change-request.entity';
import {
  IllegalTransitionError,
  isTerminal,
  NumberChangeEvent,
  NumberChangeState,
  nextState,
  OPEN_STATES,
} from './number-change-state';
import { cutoverJob } from './number-change.jobs';
import { NumberPoolService, Offer } from './number-pool.service';
import { Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests } from '../platform/http/domain-error';
import { isUniqueViolation } from '../platform/database/unique-violation';

/** The fraud facts other modules hold. */
type OutsideFacts = Pick<FraudFacts, 'failedOtpAttempts' | 'lastNumberChangeAt' | 'portedInAt'>;

export interface TransitionOptions {
  /** Customers act only on their own requests: the row must also match this subscriber. */
  subscriberId?: string;
  set?: QueryDeepPartialEntity<NumberChangeRequest>;
  summary?: Record<string, unknown>;
}

export interface QueueFilter {
  state?: NumberChangeState | 'open';
  held?: boolean;
  breached?: boolean;
  signal?: FraudSignalCode;
  limit?: number;
}

/** Which steps the customer is told about (others, like `verify`, follow too closely to be worth a message). */
const NOTIFIED: Partial<Record<NumberChangeEvent, NumberChangeStep>> = {
  reserve: 'reserved',
  approve: 'approved',
  schedule: 'scheduled',
  complete: 'completed',
  reject: 'rejected',
  cancel: 'cancelled',
  expire: 'expired',
};
const RELEASES_NUMBERS: NumberChangeEvent[] = ['reject', 'cancel', 'expire'];
const MAX_SCHEDULE_AHEAD_DAYS = 30;

/**
 * Number-change requests: what customers and agents may do, each step through `transition()`, which is
 * the only writer of `state`, applies the state machine with a conditional UPDATE and audits it in the
 * same transaction.
 */
@Injectable()
export class NumberChangeService {
  private readonly logger = new Logger(NumberChangeService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly work: DurableWork,
    private readonly pool: NumberPoolService,
    private readonly subscribers: SubscribersService,
    private readonly customerAuth: CustomerAuthService,
    private readonly audit: AuditService,
    private readonly notifier: NumberChangeNotifier,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  // ---------------------------------------------------------------- the one way state changes

  async transition(
    m: EntityManager,
    id: string,
    event: NumberChangeEvent,
    actor: Actor,
    opts: TransitionOptions = {},
  ): Promise<NumberChangeRequest> {
    const current = await this.find(m, id, opts.subscriberId);
    let to: NumberChangeState;
    try {
      to = nextState(current.state, event);
    } catch (e) {
      if (e instanceof IllegalTransitionError) throw new Conflict(e.message);
      throw e;
    }
    const qb = m
      .createQueryBuilder()
      .update(NumberChangeRequest)
      .set({
        ...opts.set,
        state: to,
        updatedAt: () => 'now()',
        ...(isTerminal(to) ? { closedAt: this.clock.now() } : {}), // compared with sla_due_at (Clock time)
      })
      .where('id = :id AND state = :from', { id, from: current.state });
    // Once the operator may be switching the number, only the cutover itself can move the request on.
    if (event !== 'complete') qb.andWhere('cutover_started_at IS NULL');
    const { affected } = await qb.execute();
    if (!affected) {
      const now = await this.find(m, id);
      throw new Conflict(
        now.cutoverStartedAt && now.state === current.state
          ? 'The cutover has started; the request can no longer be changed'
          : `The request changed meanwhile (now ${now.state}); nothing was done`,
      );
    }
    await this.audit.record(m, actor, {
      action: `number_change.${event}`,
      targetType: 'number_change_request',
      targetId: id,
      summary: { from: current.state, to, ...opts.summary },
    });
    const updated = await this.find(m, id);
    if (RELEASES_NUMBERS.includes(event)) await this.pool.releaseAll(m, id);
    const step = NOTIFIED[event];
    if (step) await this.notifier.step(m, updated, step);
    return updated;
  }

  // ---------------------------------------------------------------- customer side

  async create(
    subscriberId: string,
    input: { reason: string; confirmByEmail?: boolean },
    actor: Actor,
  ): Promise<NumberChangeRequest> {
    const subscriber = await this.subscribers.findById(subscriberId);
    if (!subscriber) throw new NotFound('No such subscriber');
    if (input.confirmByEmail && !subscriber.email)
      throw new InvalidInput('There is no email address on file to confirm by');
    // Read before the transaction: a transaction must not wait on a second pooled connection.
    const now = this.clock.now();
    const facts = await this.outsideFacts(subscriberId, now);
    try {
      return await this.db.transaction(async (m) => {
        const row = await m.save(
          m.create(NumberChangeRequest, {
            subscriberId,
            state: 'requested',
            reason: input.reason,
            oldMsisdn: subscriber.msisdn,
            ip: actor.ip ?? null,
            createdAt: now, // the SLA, the expiry sweep and the fraud windows count from it on the Clock
            slaDueAt: new Date(now.getTime() + this.config.numberChange.slaHours * 3_600_000),
          }),
        );
        await this.assessFraud(m, row, facts);
        await this.audit.record(m, actor, {
          action: 'number_change.request',
          targetType: 'number_change_request',
          targetId: row.id,
          summary: { confirmByEmail: !!input.confirmByEmail },
        });
        const created = await this.find(m, row.id);
        await this.notifier.step(m, created, 'requested');
        if (input.confirmByEmail) {
          const code = newOtpCode();
          await m.update(
            NumberChangeRequest,
            { id: row.id },
            { emailCodeHash: this.emailCodeHash(row.id, code) },
          );
          await this.notifier.emailCode(m, created, code);
          return created;
        }
        // Signed in with a code sent to the current number: that is the verification.
        return this.transition(m, row.id, 'verify', actor, { summary: { by: 'sign-in code' } });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new Conflict('You already have an open number-change request');
      throw e;
    }
  }

  /** Checks the emailed code; counts the attempt first (conditional UPDATE), so guesses cannot exceed the limit. */
  async confirmEmail(
    subscriberId: string,
    id: string,
    code: string,
    actor: Actor,
  ): Promise<NumberChangeRequest> {
    const max = this.config.auth.otpMaxAttempts;
    const [rows] = await this.db.query(
      `UPDATE number_change_requests SET email_code_attempts = email_code_attempts + 1
       WHERE id = $1 AND subscriber_id = $2 AND state = 'requested' AND email_code_hash IS NOT NULL
         AND email_code_attempts < $3
       RETURNING email_code_hash`,
      [id, subscriberId, max],
    );
    if (!rows.length) {
      const r = await this.find(this.db.manager, id, subscriberId);
      if (r.state !== 'requested') throw new Conflict(`The request is ${r.state}; nothing to confirm`);
      throw new TooManyRequests('Too many wrong codes; cancel this request and start again');
    }
    if (rows[0].email_code_hash === this.emailCodeHash(id, code))
      return this.db.transaction((m) =>
        this.transition(m, id, 'verify', actor, { subscriberId, summary: { by: 'email' } }),
      );
    const facts = await this.outsideFacts(subscriberId, (await this.get(id)).createdAt);
    await this.db.transaction(async (m) => {
      await m.increment(NumberChangeRequest, { id }, 'emailMismatches', 1);
      const signals = await this.assessFraud(m, await this.find(m, id), facts);
      await this.audit.record(m, actor, {
        action: 'number_change.email_mismatch',
        targetType: 'number_change_request',
        targetId: id,
        summary: { signals: signals.map((s) => s.code) },
      });
    });
    throw new InvalidInput('Incorrect confirmation code');
  }

  /** Offers numbers from the pool, each reserved for this request for a while; asking again replaces them. */
  async offer(subscriberId: string, id: string, similar: boolean, actor: Actor): Promise<Offer[]> {
    return this.db.transaction(async (m) => {
      const r = await this.lockOpen(
        m,
        id,
        subscriberId,
        'verified',
        'Numbers are offered once the request is verified',
      );
      const offers = await this.pool.reserveOffers(m, id, similar ? r.oldMsisdn : null);
      await this.audit.record(m, actor, {
        action: 'number_change.offer',
        targetType: 'number_change_request',
        targetId: id,
        summary: { offered: offers.length, similar },
      });
      return offers;
    });
  }

  async choose(subscriberId: string, id: string, msisdn: string, actor: Actor): Promise<NumberChangeRequest> {
    const e164 = this.subscribers.normalise(msisdn);
    if (!e164) throw new InvalidInput('msisdn is not a valid phone number');
    return this.db.transaction(async (m) => {
      await this.lockOpen(
        m,
        id,
        subscriberId,
        'verified',
        'A number can be chosen once the request is verified',
      );
      if (!(await this.pool.holdChosen(m, id, e164)))
        throw new Conflict('That number is not (or no longer) reserved for you; ask for new offers');
      return this.transition(m, id, 'reserve', actor, { subscriberId, set: { newMsisdn: e164 } });
    });
  }

  cancel(subscriberId: string, id: string, actor: Actor): Promise<NumberChangeRequest> {
    return this.db.transaction((m) => this.transition(m, id, 'cancel', actor, { subscriberId }));
  }

  async get(id: string, subscriberId?: string): Promise<NumberChangeRequest> {
    return this.find(this.db.manager, id, subscriberId);
  }

  listForSubscriber(subscriberId: string): Promise<NumberChangeRequest[]> {
    return this.db
      .getRepository(NumberChangeRequest)
      .find({ where: { subscriberId }, order: { createdAt: 'DESC' }, take: 20 });
  }

  /**
   * "Not you?": someone quoting a reference from one of this subscriber's number-change messages says they
   * did not ask. Every open request not yet being switched is held for a supervisor (an approved or planned
   * one goes back to waiting for approval), audited, and the account holder is told by the other channel.
   * Returns nothing: the page says the same whatever happened.
   */
  async reportNotMe(
    subscriberId: string,
    reported: { messageId: string; channel: 'sms' | 'email' },
    actor: Actor,
  ): Promise<void> {
    const open = await this.db.query(
      `SELECT id, state FROM number_change_requests
       WHERE subscriber_id = $1 AND state = ANY($2) AND cutover_started_at IS NULL`,
      [subscriberId, OPEN_STATES],
    );
    if (!open.length) return;
    const signal = {
      code: 'reported_not_me',
      detail: `"Not you?" report quoting message ${reported.messageId}`,
    };
    await this.db.transaction(async (m) => {
      for (const r of open as Array<{ id: string; state: NumberChangeState }>) {
        if (r.state === 'approved' || r.state === 'scheduled')
          await this.transition(m, r.id, 'hold', actor, {
            set: { scheduledAt: null },
            summary: { reported: true },
          });
        await m.query(
          `UPDATE number_change_requests SET held_for_supervisor = true,
             fraud_signals = fraud_signals || CASE WHEN fraud_signals @> '[{"code": "reported_not_me"}]'
               THEN '[]'::jsonb ELSE $2::jsonb END WHERE id = $1`,
          [r.id, JSON.stringify([signal])],
        );
        await this.audit.record(m, actor, {
          action: 'number_change.reported_not_me',
          targetType: 'number_change_request',
          targetId: r.id,
          summary: { messageId: reported.messageId, channel: reported.channel },
        });
      }
      await this.notifier.reported(m, subscriberId, `${reported.messageId}`, reported.channel);
    });
    this.logger.warn(`number-change: "Not you?" report held ${open.length} request(s)`);
  }

  /** The numbers currently kept for one of this subscriber's own requests (none for another's). */
  async currentOffers(
    subscriberId: string,
    id: string,
  ): Promise<Array<{ msisdn: string; reservedUntil: Date }>> {
    await this.get(id, subscriberId);
    return this.pool.currentOffers(id);
  }

  // ---------------------------------------------------------------- agent side

  async approve(id: string, actor: Actor): Promise<NumberChangeRequest> {
    return this.db.transaction(async (m) => {
      const r = await this.find(m, id);
      if (r.heldForSupervisor && actor.role !== 'supervisor' && actor.role !== 'admin')
        throw new Forbidden(
          `Held for a supervisor (${r.fraudSignals.map((s) => s.code).join(', ')}); a supervisor must approve it`,
        );
      return this.transition(m, id, 'approve', actor, { set: { decidedBy: actor.id } });
    });
  }

  reject(id: string, reason: string, actor: Actor): Promise<NumberChangeRequest> {
    return this.db.transaction((m) =>
      this.transition(m, id, 'reject', actor, {
        set: { decidedBy: actor.id, rejectionReason: reason },
        summary: { reason },
      }),
    );
  }

  /** Plans the cutover (now by default). The row commits first; the delayed job follows (the sweeper re-adds a lost one). */
  async schedule(id: string, at: Date | undefined, actor: Actor): Promise<NumberChangeRequest> {
    const now = this.clock.now().getTime();
    const when = at ?? new Date(now);
    if (when.getTime() < now - 60_000) throw new InvalidInput('The cutover time is in the past');
    if (when.getTime() > now + MAX_SCHEDULE_AHEAD_DAYS * 86_400_000)
      throw new InvalidInput(`The cutover must be within ${MAX_SCHEDULE_AHEAD_DAYS} days`);
    const r = await this.db.transaction((m) =>
      this.transition(m, id, 'schedule', actor, {
        set: { scheduledAt: when, lastError: null },
        summary: { at: when.toISOString() },
      }),
    );
    await this.enqueueCutover(r);
    return r;
  }

  /** Adds the cutover's job; fails fast (503) without Redis, the request staying scheduled for the re-drive. */
  async enqueueCutover(r: NumberChangeRequest): Promise<void> {
    await this.work.add('number-change.cutover', cutoverJob(r.id, r.scheduledAt!, this.clock.now()));
  }

  async list(f: QueueFilter): Promise<NumberChangeRequest[]> {
    const qb = this.db
      .getRepository(NumberChangeRequest)
      .createQueryBuilder('r')
      .orderBy('r.sla_due_at', 'ASC')
      .addOrderBy('r.id', 'ASC')
      .limit(f.limit ?? 50);
    const state = f.state ?? 'open';
    if (state === 'open') qb.andWhere('r.state IN (:...open)', { open: OPEN_STATES });
    else qb.andWhere('r.state = :state', { state });
    if (f.held !== undefined) qb.andWhere('r.held_for_supervisor = :held', { held: f.held });
    const now = this.clock.now();
    if (f.breached === true) qb.andWhere('r.sla_due_at < coalesce(r.closed_at, :now)', { now });
    if (f.breached === false) qb.andWhere('r.sla_due_at >= coalesce(r.closed_at, :now)', { now });
    if (f.signal)
      qb.andWhere(`r.fraud_signals @> :signal::jsonb`, { signal: JSON.stringify([{ code: f.signal }]) });
    return qb.getMany();
  }

  /** Supervisors: open requests past their SLA, most overdue first. */
  breaches(): Promise<NumberChangeRequest[]> {
    return this.list({ state: 'open', breached: true, limit: 200 });
  }

  history(id: string) {
    return this.audit.find({ targetType: 'number_change_request', targetId: id, limit: 100 } as any);
  }

  // ---------------------------------------------------------------- sweeper

  /** Releases lapsed offers and quarantines, expires stalled requests. Idempotent. */
  async sweep(): Promise<{ reservations: number; quarantines: number; expired: number }> {
    const released = await this.pool.releaseExpired();
    const stale: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM number_change_requests
       WHERE state IN ('requested', 'verified') AND created_at < $2::timestamptz - make_interval(hours => $1)
       ORDER BY created_at LIMIT 500`,
      [this.config.numberChange.requestTtlHours, this.clock.now()],
    );
    let expired = 0;
    for (const { id } of stale) {
      try {
        await this.db.transaction((m) => this.transition(m, id, 'expire', SYSTEM_ACTOR));
        expired++;
      } catch (e) {
        if (!(e instanceof Conflict)) throw e; // the customer moved it on meanwhile
      }
    }
    return { ...released, expired };
  }

  /** Re-drive: scheduled cutovers that are due and have not started get their job again if it was lost. */
  async redriveCutovers(): Promise<number> {
    const due: Array<{ id: string; scheduled_at: Date }> = await this.db.query(
      `SELECT id, scheduled_at FROM number_change_requests
       WHERE state = 'scheduled' AND scheduled_at < $1::timestamptz - interval '1 minute'
         AND cutover_started_at IS NULL AND last_error IS NULL LIMIT 5000`,
      [this.clock.now()],
    );
    const now = this.clock.now();
    return this.work.ensureJobs(
      'number-change.cutover',
      due.map((r) => cutoverJob(r.id, r.scheduled_at, now)),
    );
  }

  // ---------------------------------------------------------------- helpers

  private async find(m: EntityManager, id: string, subscriberId?: string): Promise<NumberChangeRequest> {
    const r = await m.findOne(NumberChangeRequest, { where: subscriberId ? { id, subscriberId } : { id } });
    // Another customer's request answers exactly like a missing one.
    if (!r) throw new NotFound('No such number-change request');
    return r;
  }

  /** Locks the request row for a multi-step change and checks its state. */
  private async lockOpen(
    m: EntityManager,
    id: string,
    subscriberId: string,
    state: NumberChangeState,
    message: string,
  ): Promise<NumberChangeRequest> {
    const r = await m.findOne(NumberChangeRequest, {
      where: { id, subscriberId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!r) throw new NotFound('No such number-change request');
    if (r.state !== state) throw new Conflict(`${message} (it is ${r.state})`);
    return r;
  }

  /** Facts other modules hold (their services use their own connections). */
  private async outsideFacts(subscriberId: string, at: Date): Promise<OutsideFacts> {
    const since = new Date(at.getTime() - this.config.numberChange.otpFailureWindowMinutes * 60_000);
    return {
      failedOtpAttempts: await this.customerAuth.failedCodeAttemptsSince(subscriberId, since),
      lastNumberChangeAt: await this.subscribers.lastNumberChangeAt(subscriberId),
      portedInAt: (await this.subscribers.findById(subscriberId))?.portedInAt ?? null,
    };
  }

  /** Adds this module's facts, stores the signals and the hold decision on the request. */
  private async assessFraud(m: EntityManager, r: NumberChangeRequest, outside: OutsideFacts) {
    const c = this.config.numberChange;
    const rules: FraudRules = {
      otpFailureWindowMinutes: c.otpFailureWindowMinutes,
      maxRequestsPerIp: c.maxRequestsPerIp,
      recentChangeDays: c.recentChangeDays,
      recentPortDays: c.recentPortDays,
      holdOn: c.holdSignals as FraudSignalCode[],
    };
    const [{ n: fromIp }] = r.ip
      ? await m.query(
          // (the row's own created_at, not the JS Date: that one lost the microseconds)
          `WITH me AS (SELECT created_at FROM number_change_requests WHERE id = $2)
           SELECT count(*)::int AS n FROM number_change_requests, me
           WHERE ip = $1 AND number_change_requests.created_at > me.created_at - interval '24 hours'
             AND number_change_requests.created_at <= me.created_at`,
          [r.ip, r.id],
        )
      : [{ n: 0 }];
    const signals = fraudSignals(
      { ...outside, requestsFromIp: fromIp, emailMismatches: r.emailMismatches },
      rules,
      r.createdAt,
    );
    const held = holdsForSupervisor(signals, rules);
    // A hold, once set, is never lifted by a later assessment (nor is a "Not you?" report forgotten).
    await m.query(
      `UPDATE number_change_requests SET held_for_supervisor = held_for_supervisor OR $3,
         fraud_signals = $2::jsonb || coalesce((SELECT jsonb_agg(x) FROM jsonb_array_elements(fraud_signals) x
                                                WHERE x->>'code' = 'reported_not_me'), '[]'::jsonb)
       WHERE id = $1`,
      [r.id, JSON.stringify(signals), held],
    );
    if (signals.length)
      this.logger.log(`number-change ${r.id}: fraud signals ${signals.map((s) => s.code).join(', ')}`);
    return signals;
  }

  private emailCodeHash(id: string, code: string): string {
    return this.pseudonymiser.pseudonym(`${id}:${code}`, 'number-change-email');
  }
}
