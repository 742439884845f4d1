import { HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { RateLimiter } from '../platform/redis/redis.module';
import { Principal, SECOND_FACTOR_ROLES } from '../platform/http/principal';
import { canonicalEmail } from './credentials';
import { TotpService } from './totp.service';
import { hashPassword, newToken, sha256, verifyPassword } from './secrets';
import { StaffTokensRepository } from './staff-tokens.repository';
import { StaffUsersRepository } from './staff-users.repository';
import { StaffUser } from './staff-user.entity';
import { Forbidden } from '../platform/http/domain-error';

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresAt: Date | null;
}

const LOGIN_WINDOW_SECONDS = 900;

@Injectable()
export class StaffAuthService {
  /** Checked when the user is missing, inactive or has no password, so every answer costs one scrypt. */
  private dummyHash?: Promise<string>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: StaffUsersRepository,
    private readonly tokens: StaffTokensRepository,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly totp: TotpService,
  ) {}

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
    const user = canonical ? await this.users.findWithSecrets(canonical) : null;
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
      const check = await this.totp.check(user!.id, user!.totpSecret!, totp);
      if (check === 'invalid')
        await this.failed(actor, user!.id, 'auth.totp_failed', 'Invalid authenticator code', 'totp_invalid');
      if (check === 'replayed')
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

  /** Supervisors and admins must use a second factor when STAFF_TOTP_REQUIRED (production default). */
  needsSecondFactor(role: string): boolean {
    return this.config.auth.totpRequired && (SECOND_FACTOR_ROLES as readonly string[]).includes(role);
  }

  async logout(tokenId: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (m) => {
      await this.tokens.revoke(m, { id: tokenId }, this.clock.now());
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
      const sessions = await this.tokens.revoke(m, { userId, kind: 'session' }, this.clock.now());
      await this.audit.record(m, actor, {
        action: 'auth.logout_everywhere',
        targetType: 'staff_user',
        targetId: userId,
        summary: { sessions },
      });
      return sessions;
    };
    return manager ? run(manager) : this.db.transaction(run);
  }

  /**
   * Resolves a token to a principal, or null when unknown, revoked, expired or the user is inactive.
   * `idle`: a console (cookie) session also ends after STAFF_SESSION_IDLE_MINUTES without a request; each
   * use moves its last-used time (at most once a minute, a conditional UPDATE).
   */
  async resolve(token: string, opts: { idle?: boolean } = {}): Promise<Principal | null> {
    const now = this.clock.now();
    const idleCutoff = opts.idle
      ? new Date(now.getTime() - this.config.auth.staffSessionIdleMinutes * 60_000)
      : undefined;
    const row = await this.tokens.findLive(sha256(token), now, idleCutoff);
    if (!row) return null;
    // best effort; a session's idle clock is moved at most once a minute
    if (row.kind === 'api_key' || opts.idle) void this.tokens.touch(row.id, now).catch(() => undefined);
    return {
      type: 'staff',
      userId: row.userId,
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
  async issue(
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
    const tokenId = await this.tokens.insert(m, {
      userId,
      kind,
      name,
      tokenHash: sha256(token),
      scopes,
      mfa,
      expiresAt,
    });
    return { token, tokenId, expiresAt };
  }

  static ensureStaff(p: Principal | undefined): asserts p is Extract<Principal, { type: 'staff' }> {
    if (!p || p.type !== 'staff') throw new Forbidden();
  }
}
