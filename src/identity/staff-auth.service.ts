import {
  ConflictException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { RateLimiter } from '../platform/redis/redis.module';
import { ApiKeyScope, Principal, SECOND_FACTOR_ROLES } from '../platform/http/principal';
import { canonicalEmail, newTotpSecret, totpStep } from './credentials';
import { SecretBox } from '../platform/privacy/secret-box';
import { hashPassword, newToken, sha256, verifyPassword } from './secrets';
import { StaffToken } from './staff-token.entity';
import { StaffUser } from './staff-user.entity';
import { Forbidden, NotFound } from '../platform/http/domain-error';

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresAt: Date | null;
}

export interface NewApiKey {
  /** Whose key: yourself (default) or a named service account. */
  userId?: string;
  name: string;
  scopes?: ApiKeyScope[];
  expiresInDays?: number;
}

type StaffPrincipal = Extract<Principal, { type: 'staff' }>;

const LOGIN_WINDOW_SECONDS = 900;

@Injectable()
export class StaffAuthService {
  /** Checked when the user is missing, inactive or has no password, so every answer costs one scrypt. */
  private dummyHash?: Promise<string>;
  /** Seals TOTP secrets at rest: a copy of the database alone cannot mint authenticator codes. */
  private readonly totpBox: SecretBox;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.totpBox = new SecretBox(config.privacy.secretsKey, 'staff-totp');
  }

  /**
   * Signs a person in. Attempts are counted before the password is checked (atomic INCR), so parallel
   * guesses cannot exceed the limits: per account and address, per address, and per account from all
   * addresses (a higher ceiling, so a stranger cannot lock the owner out from elsewhere). Unknown and
   * inactive users cost the same scrypt as real ones. An account with TOTP needs `totp` as well.
   */
  async login(
    email: string,
    password: string,
    actor: Actor,
    totp?: string,
  ): Promise<IssuedToken & { user: StaffUser; totpEnrolmentRequired: boolean }> {
    const canonical = canonicalEmail(email);
    const account = sha256(canonical ?? email.normalize('NFKC').toLowerCase());
    const ip = sha256(actor.ip ?? 'unknown');
    const { loginMaxFailures, loginMaxFailuresPerIp, loginMaxFailuresPerAccount } = this.config.auth;
    const counters: Array<[string, string, number]> = [
      ['login-fail', `${account}:${ip}`, loginMaxFailures],
      ['login-ip', ip, loginMaxFailuresPerIp],
      ['login-account', account, loginMaxFailuresPerAccount],
    ];
    const within = await Promise.all(
      counters.map(([bucket, subject, limit]) =>
        this.limiter.hit(bucket, subject, limit, LOGIN_WINDOW_SECONDS),
      ),
    );
    if (within.includes(false)) {
      throw new HttpException(
        'Too many failed logins for this account; try again in 15 minutes',
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const user = canonical
      ? await this.db
          .getRepository(StaffUser)
          .createQueryBuilder('u')
          .addSelect(['u.passwordHash', 'u.totpSecret'])
          .where('lower(u.email) = :email', { email: canonical })
          .getOne()
      : null;
    const usable = !!user && user.active && !user.serviceAccount && !!user.passwordHash;
    const passwordOk = await verifyPassword(password, usable ? user.passwordHash : await this.dummy());
    if (!usable || !passwordOk)
      await this.failed(actor, user?.id, 'auth.login_failed', 'Invalid email or password');
    if (user!.totpEnabledAt) {
      if (!totp)
        throw new UnauthorizedException({
          message: 'This account needs a code from its authenticator app',
          code: 'totp_required',
        });
      const step = totpStep(this.openTotp(user!.totpSecret!), totp, this.clock.now());
      if (step === null)
        await this.failed(actor, user!.id, 'auth.totp_failed', 'Invalid authenticator code', 'totp_invalid');
      if (!(await this.acceptTotpStep(this.db.manager, user!.id, step!, user!.totpSecret!)))
        await this.failed(
          actor,
          user!.id,
          'auth.totp_replayed',
          'That authenticator code was already used; wait for the next one',
          'totp_replayed',
        );
    }
    await Promise.all(
      counters.map(([bucket, subject]) =>
        bucket === 'login-fail' ? this.limiter.reset(bucket, subject) : this.limiter.undo(bucket, subject),
      ),
    );
    const mfa = !!user!.totpEnabledAt;
    const issued = await this.db.transaction(async (m) => {
      const t = await this.issue(m, user!.id, 'session', null, [], mfa);
      await this.audit.record(
        m,
        { ...actor, type: 'staff', id: user!.id, role: user!.role },
        {
          action: 'auth.login',
          targetType: 'staff_user',
          targetId: user!.id,
          summary: { mfa },
        },
      );
      return t;
    });
    delete (user as Partial<StaffUser>).passwordHash;
    delete (user as Partial<StaffUser>).totpSecret;
    return { ...issued, user: user!, totpEnrolmentRequired: !mfa && this.needsSecondFactor(user!.role) };
  }

  private async failed(
    actor: Actor,
    userId: string | undefined,
    action: string,
    message: string,
    code?: string,
  ): Promise<never> {
    await this.db.transaction((m) =>
      this.audit.record(m, actor, { action, targetType: 'staff_user', targetId: userId }),
    );
    throw new UnauthorizedException(code ? { message, code } : message);
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(newToken('session'));
    return this.dummyHash;
  }

  /** The base32 secret: sealed values are opened; a plain one predates sealing (sealed at acceptance). */
  private openTotp(stored: string): string {
    return SecretBox.isSealed(stored) ? this.totpBox.open(stored) : stored;
  }

  /**
   * Accepts a code's time step once: a conditional UPDATE takes only a step later than the last accepted,
   * so a code read over a shoulder or replayed from a log cannot sign in again within its 90-second window,
   * even by parallel requests. Seals a secret still stored in plain text.
   */
  private async acceptTotpStep(
    m: EntityManager,
    userId: string,
    step: number,
    stored: string,
  ): Promise<boolean> {
    const set = SecretBox.isSealed(stored)
      ? { totpLastStep: String(step) }
      : { totpLastStep: String(step), totpSecret: this.totpBox.seal(stored) };
    const res = await m
      .createQueryBuilder()
      .update(StaffUser)
      .set(set)
      .where('id = :userId AND (totp_last_step IS NULL OR totp_last_step < :step)', { userId, step })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /** Supervisors and admins must use a second factor when STAFF_TOTP_REQUIRED (production default). */
  needsSecondFactor(role: string): boolean {
    return this.config.auth.totpRequired && (SECOND_FACTOR_ROLES as readonly string[]).includes(role);
  }

  async logout(tokenId: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.update(StaffToken, { id: tokenId, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
      await this.audit.record(m, actor, {
        action: 'auth.logout',
        targetType: 'staff_token',
        targetId: tokenId,
      });
    });
  }

  /** Sign out everywhere: every session of this user ends (API keys are left alone: they are automation's). */
  async logoutEverywhere(userId: string, actor: Actor, manager?: EntityManager): Promise<number> {
    const run = async (m: EntityManager) => {
      const res = await m.update(
        StaffToken,
        { userId, kind: 'session', revokedAt: IsNull() },
        { revokedAt: this.clock.now() },
      );
      await this.audit.record(m, actor, {
        action: 'auth.logout_everywhere',
        targetType: 'staff_user',
        targetId: userId,
        summary: { sessions: res.affected ?? 0 },
      });
      return res.affected ?? 0;
    };
    return manager ? run(manager) : this.db.transaction(run);
  }

  /** Starts TOTP enrolment for the signed-in person: a new secret, pending until a code confirms it. */
  async startTotp(p: StaffPrincipal, actor: Actor): Promise<{ secret: string; uri: string }> {
    return this.db.transaction(async (m) => {
      const user = await m.findOne(StaffUser, {
        where: { id: p.userId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!user) throw new NotFoundException('No such user');
      if (user.totpEnabledAt)
        throw new ConflictException('An authenticator is already set up; an admin can reset it');
      const { secret, uri } = newTotpSecret(user.email);
      await m.update(
        StaffUser,
        { id: user.id },
        { totpSecret: this.totpBox.seal(secret), totpLastStep: null },
      );
      await this.audit.record(m, actor, {
        action: 'auth.totp_setup',
        targetType: 'staff_user',
        targetId: user.id,
      });
      return { secret, uri };
    });
  }

  /** Confirms enrolment with a first code; the current session counts as signed in with a second factor. */
  async confirmTotp(p: StaffPrincipal, code: string, actor: Actor): Promise<{ enabled: true }> {
    return this.db.transaction(async (m) => {
      const user = await m
        .getRepository(StaffUser)
        .createQueryBuilder('u')
        .addSelect('u.totpSecret')
        .where('u.id = :id', { id: p.userId })
        .setLock('pessimistic_write')
        .getOne();
      if (!user?.totpSecret || user.totpEnabledAt)
        throw new ConflictException('Start the authenticator set-up first');
      const step = totpStep(this.openTotp(user.totpSecret), code, this.clock.now());
      if (step === null)
        throw new UnauthorizedException({ message: 'Invalid authenticator code', code: 'totp_invalid' });
      await this.acceptTotpStep(m, user.id, step, user.totpSecret);
      await m.update(StaffUser, { id: user.id }, { totpEnabledAt: this.clock.now() });
      await m.update(StaffToken, { id: p.tokenId }, { mfa: true });
      await this.audit.record(m, actor, {
        action: 'auth.totp_enabled',
        targetType: 'staff_user',
        targetId: user.id,
      });
      return { enabled: true as const };
    });
  }

  /**
   * An API key for yourself or for a named service account (which has no password and never approves).
   * A key never creates keys; every key has scopes and an expiry.
   */
  async createApiKey(
    p: StaffPrincipal,
    input: NewApiKey,
    actor: Actor,
  ): Promise<IssuedToken & { scopes: string[] }> {
    if (p.via !== 'session') throw new ForbiddenException('An API key cannot create API keys; sign in');
    const userId = input.userId ?? p.userId;
    const days = input.expiresInDays ?? Math.min(90, this.config.auth.apiKeyMaxDays);
    if (days > this.config.auth.apiKeyMaxDays)
      throw new ForbiddenException(`API keys live at most ${this.config.auth.apiKeyMaxDays} days`);
    const scopes = [...new Set(input.scopes?.length ? input.scopes : ['read'])].sort();
    return this.db.transaction(async (m) => {
      const user = await m.findOne(StaffUser, { where: { id: userId } });
      if (!user || !user.active) throw new NotFoundException('No such active user');
      if (user.id !== p.userId && !user.serviceAccount)
        throw new ForbiddenException('API keys are only for yourself or a named service account');
      const expiresAt = new Date(this.clock.now().getTime() + days * 86_400_000);
      const t = await this.issue(m, userId, 'api_key', input.name, scopes, false, expiresAt);
      await this.audit.record(m, actor, {
        action: 'api_key.create',
        targetType: 'staff_token',
        targetId: t.tokenId,
        summary: { userId, name: input.name, scopes, expiresAt },
      });
      return { ...t, scopes };
    });
  }

  listApiKeys(): Promise<StaffToken[]> {
    return this.db
      .getRepository(StaffToken)
      .find({ where: { kind: 'api_key' }, order: { createdAt: 'DESC' } });
  }

  async revokeApiKey(id: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (m) => {
      const res = await m.update(
        StaffToken,
        { id, kind: 'api_key', revokedAt: IsNull() },
        { revokedAt: this.clock.now() },
      );
      if (!res.affected) throw new NotFound('No such active API key');
      await this.audit.record(m, actor, {
        action: 'api_key.revoke',
        targetType: 'staff_token',
        targetId: id,
      });
    });
  }

  /**
   * Resolves a token to a principal, or null when unknown, revoked, expired or the user is inactive.
   * `idle`: a console (cookie) session also ends after STAFF_SESSION_IDLE_MINUTES without a request; each
   * use moves its last-used time (at most once a minute, a conditional UPDATE).
   */
  async resolve(token: string, opts: { idle?: boolean } = {}): Promise<Principal | null> {
    const now = this.clock.now();
    const qb = this.db
      .getRepository(StaffToken)
      .createQueryBuilder('t')
      .innerJoin(StaffUser, 'u', 'u.id = t.user_id')
      .select([
        't.id AS id',
        't.kind AS kind',
        't.scopes AS scopes',
        't.mfa AS mfa',
        'u.id AS user_id',
        'u.role AS role',
      ])
      .where('t.token_hash = :h', { h: sha256(token) })
      .andWhere('t.revoked_at IS NULL')
      .andWhere('(t.expires_at IS NULL OR t.expires_at > :now)', { now })
      .andWhere('u.active');
    if (opts.idle) {
      const cutoff = new Date(now.getTime() - this.config.auth.staffSessionIdleMinutes * 60_000);
      qb.andWhere("t.kind = 'session' AND coalesce(t.last_used_at, t.created_at) > :cutoff", { cutoff });
    }
    const row = await qb.getRawOne<{
      id: string;
      kind: 'session' | 'api_key';
      scopes: string[];
      mfa: boolean;
      user_id: string;
      role: any;
    }>();
    if (!row) return null;
    if (row.kind === 'api_key' || opts.idle) {
      // best effort; a session's idle clock is moved at most once a minute
      void this.db
        .query(
          `UPDATE staff_tokens SET last_used_at = $2
            WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
          [row.id, now],
        )
        .catch(() => undefined);
    }
    return {
      type: 'staff',
      userId: row.user_id,
      role: row.role,
      tokenId: row.id,
      via: row.kind,
      scopes: row.scopes,
      mfa: row.mfa,
    };
  }

  /**
   * A new session or key: a session lives STAFF_TOKEN_TTL_MINUTES (by the Clock, as resolve() compares);
   * an API key's expiry is given.
   */
  private async issue(
    m: EntityManager,
    userId: string,
    kind: 'session' | 'api_key',
    name: string | null,
    scopes: string[],
    mfa: boolean,
    expiresAt: Date | null = null,
  ): Promise<IssuedToken> {
    const token = newToken(kind);
    if (kind === 'session')
      expiresAt = new Date(this.clock.now().getTime() + this.config.auth.staffTokenTtlMinutes * 60_000);
    const [row] = await m.query(
      `INSERT INTO staff_tokens (user_id, kind, name, token_hash, scopes, mfa, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [userId, kind, name, sha256(token), scopes, mfa, expiresAt],
    );
    return { token, tokenId: row.id, expiresAt };
  }

  static ensureStaff(p: Principal | undefined): asserts p is Extract<Principal, { type: 'staff' }> {
    if (!p || p.type !== 'staff') throw new Forbidden();
  }
}
