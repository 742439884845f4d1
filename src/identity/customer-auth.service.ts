import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { NotificationsService } from '../notifications/notifications.service';
import { JobMetrics } from '../platform/metrics/metrics.service';
import type { Counter } from 'prom-client';
import { AppConfig } from '../platform/config';
import { mask, Pseudonymiser } from '../platform/privacy';
import { RateLimiter } from '../platform/redis/redis.module';
import { SubscribersService } from '../subscribers/subscribers.service';
import { CustomerSession } from './customer-session.entity';
import { OtpChallenge } from './otp-challenge.entity';
import { Principal } from '../platform/http/principal';
import { newOtpCode, newToken, sha256 } from './secrets';
import { InvalidInput, NotAuthenticated, TooManyRequests } from '../platform/http/domain-error';

@Injectable()
export class CustomerAuthService {
  private readonly logger = new Logger(CustomerAuthService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly subscribers: SubscribersService,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly limiter: RateLimiter,
    /**
     * Codes are queued through the outbox in the challenge's transaction, so a customer's request costs what a
     * stranger's does (issue 18, F8); the outbox clears a message's variables (the code) once it is sent.
     */
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    metrics: JobMetrics,
  ) {
    this.budgetExhausted = metrics.counter(
      'candor_otp_global_budget_exhausted_total',
      'Code checks refused because the hourly budget of wrong codes across all numbers is used up',
    );
  }

  private readonly budgetExhausted: Counter<string>;

  /**
   * Starts a sign-in. The answer is the same whether or not the number is a subscriber (no enumeration);
   * a code is only sent to real subscribers. Throttled per number and per IP across all instances.
   */
  async requestCode(msisdn: string, actor: Actor): Promise<{ challengeId: string; expiresAt: Date }> {
    const e164 = this.subscribers.normalise(msisdn);
    if (!e164)
      throw new InvalidInput('Validation failed', [
        { field: 'msisdn', messages: ['msisdn must be a valid UK mobile number'] },
      ]);
    const numberKey = this.pseudonymiser.pseudonym(e164, 'otp');
    const { otpMaxPerNumberPerHour, otpMaxPerIpPerHour, otpTtlSeconds, otpMaxAttempts } = this.config.auth;
    const ipOk = await this.limiter.hit('otp-ip', sha256(actor.ip ?? 'unknown'), otpMaxPerIpPerHour, 3600);
    const numberOk = await this.limiter.hit('otp-number', numberKey, otpMaxPerNumberPerHour, 3600);
    if (!ipOk || !numberOk) {
      throw new TooManyRequests('Too many code requests; try again later');
    }
    const subscriber = await this.subscribers.findByMsisdn(e164);
    const code = newOtpCode();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + otpTtlSeconds * 1000);
    const challenge = await this.db.transaction(async (m) => {
      const row = await m.save(
        m.create(OtpChallenge, {
          subscriberId: subscriber?.id ?? null,
          msisdnHmac: this.subscribers.hmac(e164),
          codeHash: '',
          maxAttempts: otpMaxAttempts,
          expiresAt,
          ip: actor.ip ?? null,
          createdAt: now, // failedCodeAttemptsSince compares it with a Clock time
        }),
      );
      // The hash binds the code to its challenge, so a code cannot be replayed against another one.
      await m.update(OtpChallenge, { id: row.id }, { codeHash: this.codeHash(row.id, code) });
      await this.audit.record(m, actor, {
        action: 'customer.otp_requested',
        targetType: 'subscriber',
        targetId: subscriber?.id,
        summary: { known: !!subscriber },
      });
      // queued, not sent: the answer takes the same time for a customer and a stranger (F8)
      if (subscriber)
        await this.notifications.queue(m, {
          kind: 'customer-sign-in-code',
          channel: 'sms',
          to: e164,
          locale: subscriber.locale,
          vars: { code, minutes: String(Math.round(otpTtlSeconds / 60)) },
          dedupeKey: `otp:${row.id}`,
          subscriberId: subscriber.id,
        });
      return row;
    });
    if (subscriber) this.logger.log(`sign-in code queued for ${mask(e164)}`);
    return { challengeId: challenge.id, expiresAt };
  }

  /**
   * Checks a code: counts the attempt atomically first, so parallel guesses cannot exceed the limit. Wrong
   * codes also count against one budget across all numbers (OTP_MAX_FAILED_CHECKS_PER_HOUR): a guesser
   * spreading attempts over many numbers pauses code checks for everyone and raises an alert (F26).
   */
  async verify(challengeId: string, code: string, actor: Actor): Promise<{ token: string; expiresAt: Date }> {
    const budget = this.config.auth.otpMaxFailedChecksPerHour;
    if ((await this.limiter.count('otp-fail-global', 'all')) >= budget) {
      this.budgetExhausted.inc();
      this.logger.error(`ALERT: more than ${budget} wrong sign-in codes this hour; code checks paused`);
      throw new TooManyRequests('Sign-in codes cannot be checked just now; try again later');
    }
    const rows: Array<{ subscriber_id: string | null; code_hash: string }> = await this.db
      .query(
        `UPDATE customer_otp_challenges SET attempts = attempts + 1
        WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 AND attempts < max_attempts
        RETURNING subscriber_id, code_hash`,
        [challengeId, this.clock.now()],
      )
      .then((r: any) => r[0]);
    const row = rows?.[0];
    const matches = !!row && row.subscriber_id !== null && row.code_hash === this.codeHash(challengeId, code);
    if (!matches) {
      await this.limiter.hit('otp-fail-global', 'all', budget, 3600);
      await this.db.transaction((m) =>
        this.audit.record(m, actor, {
          action: 'customer.otp_failed',
          targetType: 'otp_challenge',
          targetId: challengeId,
        }),
      );
      throw new NotAuthenticated(
        row ? 'Incorrect code' : 'Code expired, already used or too many attempts; request a new one',
      );
    }
    const subscriberId = row.subscriber_id!;
    const now = this.clock.now();
    return this.db.transaction(async (m) => {
      // consumed_at IS NULL makes a code single-use even under concurrent verification
      const consumed = await m.query(
        `UPDATE customer_otp_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL RETURNING id`,
        [challengeId, now],
      );
      if (!consumed[1]) throw new NotAuthenticated('Code already used');
      const token = newToken('customer');
      const expiresAt = new Date(now.getTime() + this.config.auth.customerTokenTtlMinutes * 60_000);
      await m.insert(CustomerSession, { subscriberId, tokenHash: sha256(token), expiresAt });
      await this.audit.record(
        m,
        { ...actor, type: 'customer', id: subscriberId },
        {
          action: 'customer.signed_in',
          targetType: 'subscriber',
          targetId: subscriberId,
        },
      );
      return { token, expiresAt };
    });
  }

  async resolve(token: string): Promise<Principal | null> {
    const row = await this.db
      .getRepository(CustomerSession)
      .createQueryBuilder('s')
      .where('s.token_hash = :h', { h: sha256(token) })
      .andWhere('s.revoked_at IS NULL AND s.expires_at > :now', { now: this.clock.now() })
      .getOne();
    return row ? { type: 'customer', subscriberId: row.subscriberId, sessionId: row.id } : null;
  }

  /**
   * A web (cookie) session: valid while used. Each request moves its end to now + the idle window, never
   * past its start + the absolute maximum (CUSTOMER_SESSION_IDLE_MINUTES / _MAX_MINUTES).
   */
  async resolveWebSession(token: string): Promise<Principal | null> {
    const { idleMinutes, maxMinutes } = this.config.account;
    const now = this.clock.now();
    const [rows] = await this.db.query(
      `UPDATE customer_sessions
          SET expires_at = least($2::timestamptz + make_interval(mins => $3), created_at + make_interval(mins => $4))
        WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2
          AND created_at + make_interval(mins => $4) > $2
        RETURNING id, subscriber_id`,
      [sha256(token), now, idleMinutes, maxMinutes],
    );
    const row = rows[0];
    return row ? { type: 'customer', subscriberId: row.subscriber_id, sessionId: row.id } : null;
  }

  async logout(sessionId: string): Promise<void> {
    await this.db.getRepository(CustomerSession).update({ id: sessionId }, { revokedAt: this.clock.now() });
  }

  /** Wrong codes entered for this subscriber's challenges created since `since` (a fraud signal elsewhere). */
  async failedCodeAttemptsSince(subscriberId: string, since: Date): Promise<number> {
    const [row] = await this.db.query(
      `SELECT coalesce(sum(attempts - (consumed_at IS NOT NULL)::int), 0)::int AS n
       FROM customer_otp_challenges WHERE subscriber_id = $1 AND created_at >= $2`,
      [subscriberId, since],
    );
    return row.n;
  }

  private codeHash(challengeId: string, code: string): string {
    return this.pseudonymiser.pseudonym(`${challengeId}:${code}`, 'otp-code');
  }
}
