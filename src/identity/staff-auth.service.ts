import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
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
      await m.update(StaffToken, { id: tokenId, revokedAt: IsNull() }, { revokedAt: new Date() });
      await this.audit.record(m, actor, {
        action: 'auth.logout',
        targetType: 'staff_token',
        targetId: tokenId,
      });
    });
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
        { revokedAt: new Date() },
      );
      if (!res.affected) throw new NotFoundException('No such active API key');
      await this.audit.record(m, actor, {
        action: 'api_key.revoke',
        targetType: 'staff_token',
        targetId: id,
      });
    });
  }

  /** Resolves a bearer token to a principal, or null when unknown, revoked, expired or the user is inactive. */
  async resolve(token: string): Promise<Principal | null> {
    const row = await this.db
      .getRepository(StaffToken)
      .createQueryBuilder('t')
      .innerJoin(StaffUser, 'u', 'u.id = t.user_id')
      .select(['t.id AS id', 't.kind AS kind', 'u.id AS user_id', 'u.role AS role'])
      .where('t.token_hash = :h', { h: sha256(token) })
      .andWhere('t.revoked_at IS NULL')
      .andWhere('(t.expires_at IS NULL OR t.expires_at > now())')
      .andWhere('u.active')
      .getRawOne<{ id: string; kind: 'session' | 'api_key'; user_id: string; role: any }>();
    if (!row) return null;
    if (row.kind === 'api_key') {
      // best effort, not on the hot path's critical section
      void this.db
        .getRepository(StaffToken)
        .update({ id: row.id }, { lastUsedAt: new Date() })
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
      kind === 'session' ? new Date(Date.now() + this.config.auth.staffTokenTtlMinutes * 60_000) : null;
    const saved = await repo.save(repo.create({ userId, kind, name, tokenHash: sha256(token), expiresAt }));
    return { token, tokenId: (saved as StaffToken).id, expiresAt };
  }

  static ensureStaff(p: Principal | undefined): asserts p is Extract<Principal, { type: 'staff' }> {
    if (!p || p.type !== 'staff') throw new ForbiddenException();
  }
}
