import { HttpException, HttpStatus, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { SmsProvider } from '../channels/sms-provider';
import { AppConfig } from '../platform/config';
import { mask, Pseudonymiser } from '../platform/privacy';
import { RateLimiter } from '../platform/redis/redis.module';
import { SubscribersService } from '../subscribers/subscribers.service';
import { CustomerSession } from './customer-session.entity';
import { OtpChallenge } from './otp-challenge.entity';
import { Principal } from '../platform/http/principal';
import { newOtpCode, newToken, sha256 } from './secrets';

@Injectable()
export class CustomerAuthService {
  private readonly logger = new Logger(CustomerAuthService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly subscribers: SubscribersService,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly limiter: RateLimiter,
    /** Codes go straight to the SMS channel, not the outbox: a code is never stored in clear, and a lost one is asked for again. */
    private readonly sms: SmsProvider,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Starts a sign-in. The answer is the same whether or not the number is a subscriber (no enumeration);
   * a code is only sent to real subscribers. Throttled per number and per IP across all instances.
   */
  async requestCode(msisdn: string, actor: Actor): Promise<{ challengeId: string; expiresAt: Date }> {
    const e164 = this.subscribers.normalise(msisdn);
    if (!e164)
      throw new HttpException(
        {
          message: 'Validation failed',
          details: [{ field: 'msisdn', messages: ['msisdn must be a valid UK mobile number'] }],
        },
        HttpStatus.BAD_REQUEST,
      );
    const numberKey = this.pseudonymiser.pseudonym(e164, 'otp');
    const { otpMaxPerNumberPerHour, otpMaxPerIpPerHour, otpTtlSeconds, otpMaxAttempts } = this.config.auth;
    const ipOk = await this.limiter.hit('otp-ip', sha256(actor.ip ?? 'unknown'), otpMaxPerIpPerHour, 3600);
    const numberOk = await this.limiter.hit('otp-number', numberKey, otpMaxPerNumberPerHour, 3600);
    if (!ipOk || !numberOk) {
      throw new HttpException('Too many code requests; try again later', HttpStatus.TOO_MANY_REQUESTS);
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
      return row;
    });
    if (subscriber) {
      const minutes = Math.round(otpTtlSeconds / 60);
      await this.sms.send({
        to: e164,
        body: `Your Candor sign-in code is ${code}. It expires in ${minutes} minutes. We will never ask you for it by phone.`,
      });
      this.logger.log(`sign-in code sent to ${mask(e164)}`);
    }
    return { challengeId: challenge.id, expiresAt };
  }

  /** Checks a code: counts the attempt atomically first, so parallel guesses cannot exceed the limit. */
  async verify(challengeId: string, code: string, actor: Actor): Promise<{ token: string; expiresAt: Date }> {
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
      await this.db.transaction((m) =>
        this.audit.record(m, actor, {
          action: 'customer.otp_failed',
          targetType: 'otp_challenge',
          targetId: challengeId,
        }),
      );
      throw new UnauthorizedException(
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
      if (!consumed[1]) throw new UnauthorizedException('Code already used');
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
