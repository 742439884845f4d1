import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AppConfig } from '../platform/config';
import { Pseudonymiser, toE164 } from '../platform/privacy';
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

  findById(id: string): Promise<Subscriber | null> {
    return this.subscribers.findOne({ where: { id } });
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

  /** STOP / START by SMS: the subscriber with this number (if any) stops or resumes receiving SMS. */
  async setSmsOptOut(e164: string, optedOut: boolean): Promise<boolean> {
    const res = await this.subscribers.update({ msisdnHmac: this.hmac(e164) }, { smsOptOut: optedOut });
    return (res.affected ?? 0) > 0;
  }
}
