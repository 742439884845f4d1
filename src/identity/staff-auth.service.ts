import {
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
import { Principal } from '../platform/http/principal';
import { newToken, sha256, verifyPassword } from './secrets';
import { StaffToken } from './staff-token.entity';
import { StaffUser } from './staff-user.entity';

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresAt: Date | null;
}

@Injectable()
export class StaffAuthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async login(email: string, password: string, actor: Actor): Promise<IssuedToken & { user: StaffUser }> {
    const subject = sha256(email.toLowerCase());
    if ((await this.limiter.count('login-fail', subject)) >= this.config.auth.loginMaxFailures) {
      throw new HttpException(
        'Too many failed logins for this account; try again in 15 minutes',
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const user = await this.db
      .getRepository(StaffUser)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
    const ok = !!user && user.active && (await verifyPassword(password, user.passwordHash));
    if (!ok) {
      await this.limiter.hit('login-fail', subject, Number.MAX_SAFE_INTEGER, 900);
      await this.db.transaction((m) =>
        this.audit.record(m, actor, {
          action: 'auth.login_failed',
          targetType: 'staff_user',
          targetId: user?.id,
        }),
      );
      throw new UnauthorizedException('Invalid email or password');
    }
    await this.limiter.reset('login-fail', subject);
    const issued = await this.db.transaction(async (m) => {
      const t = await this.issue(m.getRepository(StaffToken), user.id, 'session', null);
      await this.audit.record(
        m,
        { ...actor, type: 'staff', id: user.id, role: user.role },
        {
          action: 'auth.login',
          targetType: 'staff_user',
          targetId: user.id,
        },
      );
      return t;
    });
    delete (user as Partial<StaffUser>).passwordHash;
    return { ...issued, user };
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

  async createApiKey(userId: string, name: string, actor: Actor): Promise<IssuedToken> {
    return this.db.transaction(async (m) => {
      const user = await m.findOne(StaffUser, { where: { id: userId } });
      if (!user) throw new NotFoundException('No such user');
      const t = await this.issue(m.getRepository(StaffToken), userId, 'api_key', name);
      await this.audit.record(m, actor, {
        action: 'api_key.create',
        targetType: 'staff_token',
        targetId: t.tokenId,
        summary: { userId, name },
      });
      return t;
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
      if (!res.affected) throw new NotFoundException('No such active API key');
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
      .select(['t.id AS id', 't.kind AS kind', 'u.id AS user_id', 'u.role AS role'])
      .where('t.token_hash = :h', { h: sha256(token) })
      .andWhere('t.revoked_at IS NULL')
      .andWhere('(t.expires_at IS NULL OR t.expires_at > :now)', { now })
      .andWhere('u.active');
    if (opts.idle) {
      const cutoff = new Date(now.getTime() - this.config.auth.staffSessionIdleMinutes * 60_000);
      qb.andWhere("t.kind = 'session' AND coalesce(t.last_used_at, t.created_at) > :cutoff", { cutoff });
    }
    const row = await qb.getRawOne<{ id: string; kind: 'session' | 'api_key'; user_id: string; role: any }>();
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
    return { type: 'staff', userId: row.user_id, role: row.role, tokenId: row.id, via: row.kind };
  }

  private async issue(
    repo: ReturnType<DataSource['getRepository']>,
    userId: string,
    kind: 'session' | 'api_key',
    name: string | null,
  ): Promise<IssuedToken> {
    const token = newToken(kind);
    const expiresAt =
      kind === 'session'
        ? new Date(this.clock.now().getTime() + this.config.auth.staffTokenTtlMinutes * 60_000)
        : null;
    const saved = await repo.save(repo.create({ userId, kind, name, tokenHash: sha256(token), expiresAt }));
    return { token, tokenId: (saved as StaffToken).id, expiresAt };
  }

  static ensureStaff(p: Principal | undefined): asserts p is Extract<Principal, { type: 'staff' }> {
    if (!p || p.type !== 'staff') throw new ForbiddenException();
  }
}
