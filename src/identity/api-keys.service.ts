import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Actor } from '../platform/http/actor';
import { Forbidden, NotFound } from '../platform/http/domain-error';
import { ApiKeyScope, Principal } from '../platform/http/principal';
import { IssuedToken, StaffAuthService } from './staff-auth.service';
import { StaffToken } from './staff-token.entity';
import { StaffTokensRepository } from './staff-tokens.repository';
import { StaffUsersRepository } from './staff-users.repository';

type StaffPrincipal = Extract<Principal, { type: 'staff' }>;

export interface NewApiKey {
  /** Whose key: yourself (default) or a named service account. */
  userId?: string;
  name: string;
  scopes?: ApiKeyScope[];
  expiresInDays?: number;
}

/** API keys for automation: scoped, expiring, only for oneself or a named service account (F3). */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: StaffUsersRepository,
    private readonly keys: StaffTokensRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly tokens: StaffAuthService,
  ) {}

  /**
   * An API key for yourself or for a named service account (which has no password and never approves).
   * A key never creates keys; every key has scopes and an expiry.
   */
  async create(
    p: StaffPrincipal,
    input: NewApiKey,
    actor: Actor,
  ): Promise<IssuedToken & { scopes: string[] }> {
    if (p.via !== 'session') throw new Forbidden('An API key cannot create API keys; sign in');
    const userId = input.userId ?? p.userId;
    const days = input.expiresInDays ?? Math.min(90, this.config.auth.apiKeyMaxDays);
    if (days > this.config.auth.apiKeyMaxDays)
      throw new Forbidden(`API keys live at most ${this.config.auth.apiKeyMaxDays} days`);
    const scopes = [...new Set(input.scopes?.length ? input.scopes : ['read'])].sort();
    return this.db.transaction(async (m) => {
      const user = await this.users.findById(userId, m);
      if (!user || !user.active) throw new NotFound('No such active user');
      if (user.id !== p.userId && !user.serviceAccount)
        throw new Forbidden('API keys are only for yourself or a named service account');
      const expiresAt = new Date(this.clock.now().getTime() + days * 86_400_000);
      const t = await this.tokens.issue(m, userId, 'api_key', input.name, scopes, false, expiresAt);
      await this.audit.record(m, actor, {
        action: 'api_key.create',
        targetType: 'staff_token',
        targetId: t.tokenId,
        summary: { userId, name: input.name, scopes, expiresAt },
      });
      return { ...t, scopes };
    });
  }

  list(): Promise<StaffToken[]> {
    return this.keys.listApiKeys();
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (m) => {
      if (!(await this.keys.revoke(m, { id, kind: 'api_key' }, this.clock.now())))
        throw new NotFound('No such active API key');
      await this.audit.record(m, actor, {
        action: 'api_key.revoke',
        targetType: 'staff_token',
        targetId: id,
      });
    });
  }
}
