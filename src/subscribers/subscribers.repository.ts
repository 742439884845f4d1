import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SubscriberNumberHistory } from './subscriber-number-history.entity';
import { Subscriber } from './subscriber.entity';

/** A subscriber's fields as written by an upsert (by account id). */
export interface SubscriberRow {
  accountId: string;
  msisdn: string;
  msisdnHmac: string;
  email: string | null;
  firstName: string | null;
  locale: string;
}

/** The SQL of subscribers and their number history; rows come back as the camelCase entities. */
@Injectable()
export class SubscribersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  findByHmac(msisdnHmac: string): Promise<Subscriber | null> {
    return this.db.manager.findOne(Subscriber, { where: { msisdnHmac } });
  }

  /** `m`: read inside the caller's transaction (no second pooled connection). */
  findById(id: string, m: EntityManager = this.db.manager): Promise<Subscriber | null> {
    return m.findOne(Subscriber, { where: { id } });
  }

  /** The row locked in `m`'s transaction: concurrent number changes queue behind each other. */
  findForUpdate(m: EntityManager, id: string): Promise<Subscriber | null> {
    return m.findOne(Subscriber, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Insert or update by account id (one row per account; the number's uniqueness is the database's job). */
  async upsert(row: SubscriberRow, m: EntityManager = this.db.manager): Promise<Subscriber> {
    await m
      .createQueryBuilder()
      .insert()
      .into(Subscriber)
      .values(row)
      .orUpdate(['msisdn', 'msisdn_hmac', 'email', 'first_name', 'locale', 'updated_at'], ['account_id'])
      .execute();
    return m.findOneOrFail(Subscriber, { where: { accountId: row.accountId } });
  }

  /**
   * Closes the period of the subscriber's current number at `now`. It began when the previous change ended
   * the number before it, else when the record began (`createdAt`).
   */
  async addNumberHistory(
    m: EntityManager,
    current: Pick<Subscriber, 'id' | 'msisdn' | 'msisdnHmac' | 'createdAt'>,
    reason: string,
    now: Date,
  ): Promise<void> {
    await m.query(
      `INSERT INTO subscriber_number_history (subscriber_id, msisdn, msisdn_hmac, valid_from, valid_to, reason)
       SELECT $1, $2, $3,
              coalesce((SELECT max(valid_to) FROM subscriber_number_history WHERE subscriber_id = $1), $4), $6, $5`,
      [current.id, current.msisdn, current.msisdnHmac, current.createdAt, reason, now],
    );
  }

  /** A new number; the port-in date described the old one, so it goes. */
  async setNumber(m: EntityManager, id: string, msisdn: string, msisdnHmac: string): Promise<void> {
    await m.update(Subscriber, { id }, { msisdn, msisdnHmac, portedInAt: null });
  }

  /** Who held this number most recently, by the history (not who holds it now). */
  async formerHolderId(msisdnHmac: string): Promise<string | null> {
    const past = await this.db.manager.findOne(SubscriberNumberHistory, {
      where: { msisdnHmac },
      order: { validTo: 'DESC' },
    });
    return past?.subscriberId ?? null;
  }

  byAccountId(accountId: string): Promise<Subscriber[]> {
    return this.db
      .getRepository(Subscriber)
      .createQueryBuilder('s')
      .where('lower(s.account_id) = lower(:q)', { q: accountId })
      .getMany();
  }

  byEmail(email: string, limit: number): Promise<Subscriber[]> {
    return this.db
      .getRepository(Subscriber)
      .createQueryBuilder('s')
      .where('lower(s.email) = lower(:q)', { q: email })
      .orderBy('s.account_id')
      .limit(limit)
      .getMany();
  }

  /** First names starting with `prefix` (any case; LIKE's wildcards in it are taken literally). */
  byFirstNamePrefix(prefix: string, limit: number): Promise<Subscriber[]> {
    const like = prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
    return this.db
      .getRepository(Subscriber)
      .createQueryBuilder('s')
      .where('lower(s.first_name) LIKE :like', { like })
      .orderBy('lower(s.first_name)')
      .addOrderBy('s.account_id')
      .limit(limit)
      .getMany();
  }

  async lastNumberChangeAt(subscriberId: string): Promise<Date | null> {
    const [row] = await this.db.query(
      `SELECT max(valid_to) AS at FROM subscriber_number_history WHERE subscriber_id = $1`,
      [subscriberId],
    );
    return (row as { at: Date | null } | undefined)?.at ?? null;
  }

  /** Which of these E.164 numbers belong to a subscriber now (one query for a whole batch). */
  async numbersInUse(e164s: string[]): Promise<string[]> {
    const rows: Array<{ msisdn: string }> = await this.db.query(
      `SELECT msisdn FROM subscribers WHERE msisdn = ANY($1::text[])`,
      [e164s],
    );
    return rows.map((r) => r.msisdn);
  }

  async setSmsOptOut(msisdnHmac: string, optedOut: boolean): Promise<boolean> {
    const res = await this.db.getRepository(Subscriber).update({ msisdnHmac }, { smsOptOut: optedOut });
    return (res.affected ?? 0) > 0;
  }
}
