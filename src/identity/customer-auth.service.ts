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
import { CustomerAuthRepository } from './customer-auth.repository';
import { Principal } from '../platform/http/principal';
import { newOtpCode, newToken, sha256 } from './secrets';
import { InvalidInput, NotAuthenticated, TooManyRequests } from '../platform/http/domain-error';

@Injectable()
export class CustomerAuthService {
  private readonly logger = new Logger(CustomerAuthService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: CustomerAuthRepository,
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
      const row = await this.repo.insertChallenge(m, {
        subscriberId: subscriber?.id ?? null,
        msisdnHmac: this.subscribers.hmac(e164),
        codeHash: '',
        maxAttempts: otpMaxAttempts,
        expiresAt,
        ip: actor.ip ?? null,
        createdAt: now, // failedCodeAttemptsSince compares it with a Clock time
      });
      // The hash binds the code to its challenge, so a code cannot be replayed against another one.
      await this.repo.setCodeHash(m, row.id, this.codeHash(row.id, code));
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
    const row = await this.repo.countTry(challengeId, this.clock.now());
    const matches = !!row && row.subscriberId !== null && row.codeHash === this.codeHash(challengeId, code);
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
    const subscriberId = row.subscriberId!;
    const now = this.clock.now();
    return this.db.transaction(async (m) => {
      // consumed_at IS NULL makes a code single-use even under concurrent verification
      if (!(await this.repo.consume(m, challengeId, now))) throw new NotAuthenticated('Code already used');
      const token = newToken('customer');
      const expiresAt = new Date(now.getTime() + this.config.auth.customerTokenTtlMinutes * 60_000);
      await this.repo.insertSession(m, { subscriberId, tokenHash: sha256(token), expiresAt });
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
    const row = await this.repo.findLiveSession(sha256(token), this.clock.now());
    return row ? { type: 'customer', subscriberId: row.subscriberId, sessionId: row.id } : null;
  }

  /**
   * A web (cookie) session: valid while used. Each request moves its end to now + the idle window, never
   * past its start + the absolute maximum (CUSTOMER_SESSION_IDLE_MINUTES / _MAX_MINUTES).
   */
  async resolveWebSession(token: string): Promise<Principal | null> {
    const { idleMinutes, maxMinutes } = this.config.account;
    const now = this.clock.now();
    const row = await this.repo.extendWebSession(sha256(token), now, idleMinutes, maxMinutes);
    return row ? { type: 'customer', subscriberId: row.subscriberId, sessionId: row.id } : null;
  }

  async logout(sessionId: string): Promise<void> {
    await this.repo.revokeSession(sessionId, this.clock.now());
  }

  /** Wrong codes entered for this subscriber's challenges created since `since` (a fraud signal elsewhere). */
  failedCodeAttemptsSince(subscriberId: string, since: Date): Promise<number> {
    return this.repo.failedTriesSince(subscriberId, since);
  }

  private codeHash(challengeId: string, code: string): string {
    return this.pseudonymiser.pseudonym(`${challengeId}:${code}`, 'otp-code');
  }
}
