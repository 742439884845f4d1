import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Pseudonymiser, toE164 } from '../platform/privacy';
import { SubscriberNumberHistory } from './subscriber-number-history.entity';
import { Subscriber } from './subscriber.entity';

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
    @InjectRepository(Subscriber) private readonly subscribers: Repository<Subscriber>,
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
    return this.subscribers.findOne({ where: { msisdnHmac: this.hmac(e164) } });
  }

  /** `manager`: read inside the caller's transaction (no second pooled connection). */
  findById(id: string, manager: EntityManager = this.subscribers.manager): Promise<Subscriber | null> {
    return manager.findOne(Subscriber, { where: { id } });
  }

  /** Insert or update by account id (one row per account; the number's uniqueness is the database's job). */
  async upsert(input: NewSubscriber, manager: EntityManager = this.subscribers.manager): Promise<Subscriber> {
    const e164 = this.normalise(input.msisdn);
    if (!e164) throw new BadRequestException('msisdn is not a valid phone number');
    await manager
      .createQueryBuilder()
      .insert()
      .into(Subscriber)
      .values({
        accountId: input.accountId,
        msisdn: e164,
        msisdnHmac: this.hmac(e164),
        email: input.email ?? null,
        firstName: input.firstName ?? null,
        locale: input.locale ?? 'en',
      })
      .orUpdate(['msisdn', 'msisdn_hmac', 'email', 'first_name', 'locale', 'updated_at'], ['account_id'])
      .execute();
    return manager.findOneOrFail(Subscriber, { where: { accountId: input.accountId } });
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
    const current = await manager.findOne(Subscriber, {
      where: { id: subscriberId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!current) throw new NotFoundException('No such subscriber');
    // valid_from: when the previous change ended that number's period, else when the record began
    await manager.query(
      `INSERT INTO subscriber_number_history (subscriber_id, msisdn, msisdn_hmac, valid_from, valid_to, reason)
       SELECT $1, $2, $3,
              coalesce((SELECT max(valid_to) FROM subscriber_number_history WHERE subscriber_id = $1), $4), $6, $5`,
      [subscriberId, current.msisdn, current.msisdnHmac, current.createdAt, reason, this.clock.now()],
    );
    await manager.update(
      Subscriber,
      { id: subscriberId },
      // the port-in date described the old number; the new one comes from the operator's own pool
      { msisdn: newE164, msisdnHmac: this.hmac(newE164), portedInAt: null },
    );
    return { oldMsisdn: current.msisdn };
  }

  /** The subscriber who has this number now, or else who had it most recently. */
  async findByNumberEver(msisdn: string): Promise<Subscriber | null> {
    const current = await this.findByMsisdn(msisdn);
    if (current) return current;
    const e164 = this.normalise(msisdn);
    if (!e164) return null;
    const past = await this.subscribers.manager.findOne(SubscriberNumberHistory, {
      where: { msisdnHmac: this.hmac(e164) },
      order: { validTo: 'DESC' },
    });
    return past ? this.findById(past.subscriberId) : null;
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
    const byAccount = await this.subscribers
      .createQueryBuilder('s')
      .where('lower(s.account_id) = lower(:q)', { q })
      .getMany();
    if (byAccount.length) return { by: 'account', subscribers: byAccount };
    if (q.includes('@')) {
      const byEmail = await this.subscribers
        .createQueryBuilder('s')
        .where('lower(s.email) = lower(:q)', { q })
        .orderBy('s.account_id')
        .limit(limit)
        .getMany();
      return { by: 'email', subscribers: byEmail };
    }
    if (e164 || q.length < 2) return { by: e164 ? 'number' : 'name', subscribers: [] };
    const like = q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
    const byName = await this.subscribers
      .createQueryBuilder('s')
      .where('lower(s.first_name) LIKE :like', { like })
      .orderBy('lower(s.first_name)')
      .addOrderBy('s.account_id')
      .limit(limit)
      .getMany();
    return { by: 'name', subscribers: byName };
  }

  async lastNumberChangeAt(subscriberId: string): Promise<Date | null> {
    const [row] = await this.subscribers.manager.query(
      `SELECT max(valid_to) AS at FROM subscriber_number_history WHERE subscriber_id = $1`,
      [subscriberId],
    );
    return row?.at ?? null;
  }

  /** Which of these E.164 numbers belong to a subscriber now (one query for a whole batch). */
  async numbersInUse(e164s: string[]): Promise<Set<string>> {
    if (!e164s.length) return new Set();
    const rows: Array<{ msisdn: string }> = await this.subscribers.manager.query(
      `SELECT msisdn FROM subscribers WHERE msisdn = ANY($1::text[])`,
      [e164s],
    );
    return new Set(rows.map((r) => r.msisdn));
  }

  /** STOP / START by SMS: the subscriber with this number (if any) stops or resumes receiving SMS. */
  async setSmsOptOut(e164: string, optedOut: boolean): Promise<boolean> {
    const res = await this.subscribers.update({ msisdnHmac: this.hmac(e164) }, { smsOptOut: optedOut });
    return (res.affected ?? 0) > 0;
  }
}
