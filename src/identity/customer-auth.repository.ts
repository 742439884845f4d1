import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import { CustomerSession } from './customer-session.entity';
import { OtpChallenge } from './otp-challenge.entity';

/** The SQL of customers' one-time-code challenges and their sessions. */
@Injectable()
export class CustomerAuthRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  insertChallenge(m: EntityManager, fields: DeepPartial<OtpChallenge>): Promise<OtpChallenge> {
    return m.save(m.create(OtpChallenge, fields));
  }

  async setCodeHash(m: EntityManager, id: string, codeHash: string): Promise<void> {
    await m.update(OtpChallenge, { id }, { codeHash });
  }

  /**
   * Counts a try at a live challenge (unconsumed, unexpired, tries left) in one conditional UPDATE, so
   * parallel guesses cannot exceed the limit. Answers its subscriber and code hash, or null if none counted.
   */
  async countTry(id: string, now: Date): Promise<{ subscriberId: string | null; codeHash: string } | null> {
    const [rows] = await this.db.query(
      `UPDATE customer_otp_challenges SET attempts = attempts + 1
       WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 AND attempts < max_attempts
       RETURNING subscriber_id AS "subscriberId", code_hash AS "codeHash"`,
      [id, now],
    );
    return (rows as Array<{ subscriberId: string | null; codeHash: string }>)[0] ?? null;
  }

  /** Uses a challenge up; false when it already was (a code is single-use even under concurrent checks). */
  async consume(m: EntityManager, id: string, now: Date): Promise<boolean> {
    const [, n] = await m.query(
      `UPDATE customer_otp_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL RETURNING id`,
      [id, now],
    );
    return (n as number) > 0;
  }

  /** Wrong codes entered for this subscriber's challenges created since `since`. */
  async failedTriesSince(subscriberId: string, since: Date): Promise<number> {
    const [row] = await this.db.query(
      `SELECT coalesce(sum(attempts - (consumed_at IS NOT NULL)::int), 0)::int AS n
       FROM customer_otp_challenges WHERE subscriber_id = $1 AND created_at >= $2`,
      [subscriberId, since],
    );
    return (row as { n: number }).n;
  }

  async insertSession(
    m: EntityManager,
    s: { subscriberId: string; tokenHash: string; expiresAt: Date },
  ): Promise<void> {
    await m.insert(CustomerSession, s);
  }

  findLiveSession(tokenHash: string, now: Date): Promise<CustomerSession | null> {
    return this.db
      .getRepository(CustomerSession)
      .createQueryBuilder('s')
      .where('s.token_hash = :h', { h: tokenHash })
      .andWhere('s.revoked_at IS NULL AND s.expires_at > :now', { now })
      .getOne();
  }

  /**
   * A web session still live at `now` is extended to now + `idleMinutes`, never past its start +
   * `maxMinutes`; null when it is not live.
   */
  async extendWebSession(
    tokenHash: string,
    now: Date,
    idleMinutes: number,
    maxMinutes: number,
  ): Promise<{ id: string; subscriberId: string } | null> {
    const [rows] = await this.db.query(
      `UPDATE customer_sessions
          SET expires_at = least($2::timestamptz + make_interval(mins => $3), created_at + make_interval(mins => $4))
        WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2
          AND created_at + make_interval(mins => $4) > $2
        RETURNING id, subscriber_id AS "subscriberId"`,
      [tokenHash, now, idleMinutes, maxMinutes],
    );
    return (rows as Array<{ id: string; subscriberId: string }>)[0] ?? null;
  }

  async revokeSession(id: string, now: Date): Promise<void> {
    await this.db.getRepository(CustomerSession).update({ id }, { revokedAt: now });
  }
}
