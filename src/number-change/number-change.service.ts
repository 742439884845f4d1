import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { newOtpCode } from '../identity/secrets';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { DurableWork } from '../platform/queue/durable-work';
import { Pseudonymiser } from '../platform/privacy';
import { SubscribersService } from '../subscribers/subscribers.service';
import { FraudSignal } from './fraud-rules';
import { NumberChangeFraud } from './number-change-fraud';
import { NumberChangeNotifier } from './number-change-notifier';
import { NumberChangeRequest } from './number-change-request.entity';
import { NumberChangeState } from './number-change-state';
import { NumberChangeRepository, QueueFilter } from './number-change.repository';
import { NumberChangeTransitions } from './number-change-transitions';
import { cutoverJob } from './number-change.jobs';
import { NumberPoolService, Offer } from './number-pool.service';
import { Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests } from '../platform/http/domain-error';
import { isUniqueViolation } from '../platform/database/unique-violation';

export type { QueueFilter } from './number-change.repository';

const MAX_SCHEDULE_AHEAD_DAYS = 30;

/**
 * Number-change requests: what customers and agents may do, each step through `NumberChangeTransitions`
 * (the only writer of `state`: the state machine, a conditional UPDATE and its audit row in one transaction).
 */
@Injectable()
export class NumberChangeService {
  private readonly logger = new Logger(NumberChangeService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly requests: NumberChangeRepository,
    private readonly work: DurableWork,
    private readonly pool: NumberPoolService,
    private readonly subscribers: SubscribersService,
    private readonly audit: AuditService,
    private readonly notifier: NumberChangeNotifier,
    private readonly transitions: NumberChangeTransitions,
    private readonly fraud: NumberChangeFraud,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

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
    const facts = await this.fraud.outsideFacts(subscriberId, now);
    try {
      return await this.db.transaction(async (m) => {
        const row = await this.requests.insert(m, {
          subscriberId,
          state: 'requested',
          reason: input.reason,
          oldMsisdn: subscriber.msisdn,
          ip: actor.ip ?? null,
          createdAt: now, // the SLA, the expiry sweep and the fraud windows count from it on the Clock
          slaDueAt: new Date(now.getTime() + this.config.numberChange.slaHours * 3_600_000),
        });
        await this.fraud.assess(m, row, facts);
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
          await this.requests.setEmailCodeHash(m, row.id, this.emailCodeHash(row.id, code));
          await this.notifier.emailCode(m, created, code);
          return created;
        }
        // Signed in with a code sent to the current number: that is the verification.
        return this.transitions.apply(m, row.id, 'verify', actor, { summary: { by: 'sign-in code' } });
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
    const stored = await this.requests.countEmailCodeTry(id, subscriberId, max);
    if (stored === null) {
      const r = await this.find(this.db.manager, id, subscriberId);
      if (r.state !== 'requested') throw new Conflict(`The request is ${r.state}; nothing to confirm`);
      throw new TooManyRequests('Too many wrong codes; cancel this request and start again');
    }
    if (stored === this.emailCodeHash(id, code))
      return this.db.transaction((m) =>
        this.transitions.apply(m, id, 'verify', actor, { subscriberId, summary: { by: 'email' } }),
      );
    const facts = await this.fraud.outsideFacts(subscriberId, (await this.get(id)).createdAt);
    await this.db.transaction(async (m) => {
      await this.requests.addEmailMismatch(m, id);
      const signals = await this.fraud.assess(m, await this.find(m, id), facts);
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
      return this.transitions.apply(m, id, 'reserve', actor, { subscriberId, set: { new_msisdn: e164 } });
    });
  }

  cancel(subscriberId: string, id: string, actor: Actor): Promise<NumberChangeRequest> {
    return this.db.transaction((m) => this.transitions.apply(m, id, 'cancel', actor, { subscriberId }));
  }

  async get(id: string, subscriberId?: string): Promise<NumberChangeRequest> {
    return this.find(this.db.manager, id, subscriberId);
  }

  listForSubscriber(subscriberId: string): Promise<NumberChangeRequest[]> {
    return this.requests.listForSubscriber(subscriberId, 20);
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
    const open = await this.requests.openBeforeCutover(subscriberId);
    if (!open.length) return;
    const signal: FraudSignal = {
      code: 'reported_not_me',
      detail: `"Not you?" report quoting message ${reported.messageId}`,
    };
    await this.db.transaction(async (m) => {
      for (const r of open) {
        if (r.state === 'approved' || r.state === 'scheduled')
          await this.transitions.apply(m, r.id, 'hold', actor, {
            set: { scheduled_at: null },
            summary: { reported: true },
          });
        await this.requests.holdReportedNotMe(m, r.id, signal);
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
      return this.transitions.apply(m, id, 'approve', actor, { set: { decided_by: actor.id } });
    });
  }

  reject(id: string, reason: string, actor: Actor): Promise<NumberChangeRequest> {
    return this.db.transaction((m) =>
      this.transitions.apply(m, id, 'reject', actor, {
        set: { decided_by: actor.id, rejection_reason: reason },
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
      this.transitions.apply(m, id, 'schedule', actor, {
        set: { scheduled_at: when, last_error: null },
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

  list(f: QueueFilter): Promise<NumberChangeRequest[]> {
    return this.requests.list(f, this.clock.now());
  }

  /** Supervisors: open requests past their SLA, most overdue first. */
  breaches(): Promise<NumberChangeRequest[]> {
    return this.list({ state: 'open', breached: true, limit: 200 });
  }

  history(id: string) {
    return this.audit.find({ targetType: 'number_change_request', targetId: id, limit: 100 } as any);
  }

  // ---------------------------------------------------------------- helpers

  private find(m: EntityManager, id: string, subscriberId?: string): Promise<NumberChangeRequest> {
    return this.transitions.find(m, id, subscriberId);
  }

  /** Locks the request row for a multi-step change and checks its state. */
  private async lockOpen(
    m: EntityManager,
    id: string,
    subscriberId: string,
    state: NumberChangeState,
    message: string,
  ): Promise<NumberChangeRequest> {
    const r = await this.requests.findForUpdate(m, id, subscriberId);
    if (!r) throw new NotFound('No such number-change request');
    if (r.state !== state) throw new Conflict(`${message} (it is ${r.state})`);
    return r;
  }

  private emailCodeHash(id: string, code: string): string {
    return this.pseudonymiser.pseudonym(`${id}:${code}`, 'number-change-email');
  }
}
