import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Pseudonymiser, toE164 } from '../platform/privacy';
import { Subscriber } from './subscriber.entity';
import { SubscribersRepository } from './subscribers.repository';
import { InvalidInput, NotFound } from '../platform/http/domain-error';

export interface NewSubscriber {
  accountId: string;
  msisdn: string;
  email?: string | null;
  firstName?: string | null;
  locale?: string;
}

@Injectable()
export class SubscribersService {
  constructor(
    private readonly subscribers: SubscribersRepository,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** The HMAC every table that must not hold raw numbers uses to refer to one. */
  hmac(e164: string): string {
    return this.pseudonymiser.pseudonym(e164);
  }

  normalise(msisdn: string): string | null {
    return toE164(msisdn, this.config.privacy.defaultCountry);
  }

  async findByMsisdn(msisdn: string): Promise<Subscriber | null> {
    const e164 = this.normalise(msisdn);
    if (!e164) return null;
    return this.subscribers.findByHmac(this.hmac(e164));
  }

  /** `manager`: read inside the caller's transaction (no second pooled connection). */
  findById(id: string, manager?: EntityManager): Promise<Subscriber | null> {
    return this.subscribers.findById(id, manager);
  }

  /** Insert or update by account id (one row per account; the number's uniqueness is the database's job). */
  async upsert(input: NewSubscriber, manager?: EntityManager): Promise<Subscriber> {
    const e164 = this.normalise(input.msisdn);
    if (!e164) throw new InvalidInput('msisdn is not a valid phone number');
    const row = {
      accountId: input.accountId,
      msisdn: e164,
      msisdnHmac: this.hmac(e164),
      email: input.email ?? null,
      firstName: input.firstName ?? null,
      locale: input.locale ?? 'en',
    };
    return this.subscribers.upsert(row, manager);
  }

  /**
   * Gives a subscriber a new number inside the caller's transaction. The old number goes into
   * subscriber_number_history (valid until now), so data keyed by its HMAC still finds the customer.
   * The row lock serialises concurrent changes; the UNIQUE msisdn constraint keeps one number, one owner.
   */
  async changeNumber(
    manager: EntityManager,
    subscriberId: string,
    newE164: string,
    reason: string,
  ): Promise<{ oldMsisdn: string }> {
    const current = await this.subscribers.findForUpdate(manager, subscriberId);
    if (!current) throw new NotFound('No such subscriber');
    await this.subscribers.addNumberHistory(manager, current, reason, this.clock.now());
    await this.subscribers.setNumber(manager, subscriberId, newE164, this.hmac(newE164));
    return { oldMsisdn: current.msisdn };
  }

  /** The subscriber who has this number now, or else who had it most recently. */
  async findByNumberEver(msisdn: string): Promise<Subscriber | null> {
    const current = await this.findByMsisdn(msisdn);
    if (current) return current;
    const e164 = this.normalise(msisdn);
    if (!e164) return null;
    const formerHolder = await this.subscribers.formerHolderId(this.hmac(e164));
    return formerHolder ? this.findById(formerHolder) : null;
  }

  /**
   * Support's search: a number in any format (now, or held before), an account id (any case), an email
   * (any case) or the start of a first name. At most `limit` people; how each was found comes back too.
   */
  async search(
    query: string,
    limit = 20,
  ): Promise<{ by: 'number' | 'account' | 'email' | 'name'; subscribers: Subscriber[] }> {
    const q = query.trim();
    const e164 = /^[+\d\s().-]{6,}$/.test(q) ? this.normalise(q) : null;
    if (e164) {
      const found = await this.findByNumberEver(e164);
      if (found) return { by: 'number', subscribers: [found] };
    }
    const byAccount = await this.subscribers.byAccountId(q);
    if (byAccount.length) return { by: 'account', subscribers: byAccount };
    if (q.includes('@')) return { by: 'email', subscribers: await this.subscribers.byEmail(q, limit) };
    if (e164 || q.length < 2) return { by: e164 ? 'number' : 'name', subscribers: [] };
    return { by: 'name', subscribers: await this.subscribers.byFirstNamePrefix(q, limit) };
  }

  lastNumberChangeAt(subscriberId: string): Promise<Date | null> {
    return this.subscribers.lastNumberChangeAt(subscriberId);
  }

  /** Which of these E.164 numbers belong to a subscriber now (one query for a whole batch). */
  async numbersInUse(e164s: string[]): Promise<Set<string>> {
    if (!e164s.length) return new Set();
    return new Set(await this.subscribers.numbersInUse(e164s));
  }

  /** STOP / START by SMS: the subscriber with this number (if any) stops or resumes receiving SMS. */
  setSmsOptOut(e164: string, optedOut: boolean): Promise<boolean> {
    return this.subscribers.setSmsOptOut(this.hmac(e164), optedOut);
  }
}
