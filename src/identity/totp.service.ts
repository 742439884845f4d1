import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Actor } from '../platform/http/actor';
import { Conflict, DomainError, NotFound } from '../platform/http/domain-error';
import { Principal } from '../platform/http/principal';
import { SecretBox } from '../platform/privacy/secret-box';
import { newTotpSecret, totpStep } from './credentials';
import { StaffTokensRepository } from './staff-tokens.repository';
import { StaffUsersRepository } from './staff-users.repository';

type StaffPrincipal = Extract<Principal, { type: 'staff' }>;

/**
 * Staff authenticator apps (TOTP): enrolment, and checking a code at sign-in. Secrets are sealed at rest
 * (a copy of the database alone cannot mint codes) and each code is accepted once.
 */
@Injectable()
export class TotpService {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: StaffUsersRepository,
    private readonly tokens: StaffTokensRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.privacy.secretsKey, 'staff-totp');
  }

  /** Checks `code` against a user's stored secret and, when it is good, accepts its time step once. */
  async check(
    userId: string,
    stored: string,
    code: string,
    m: EntityManager = this.db.manager,
  ): Promise<'ok' | 'invalid' | 'replayed'> {
    const step = totpStep(this.open(stored), code, this.clock.now());
    if (step === null) return 'invalid';
    return (await this.accept(m, userId, step, stored)) ? 'ok' : 'replayed';
  }

  /** Starts TOTP enrolment for the signed-in person: a new secret, pending until a code confirms it. */
  async startTotp(p: StaffPrincipal, actor: Actor): Promise<{ secret: string; uri: string }> {
    return this.db.transaction(async (m) => {
      const user = await this.users.findForUpdate(m, p.userId);
      if (!user) throw new NotFound('No such user');
      if (user.totpEnabledAt) throw new Conflict('An authenticator is already set up; an admin can reset it');
      const { secret, uri } = newTotpSecret(user.email);
      await this.users.setPendingTotp(m, user.id, this.box.seal(secret));
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
      const user = await this.users.findWithTotpSecretForUpdate(m, p.userId);
      if (!user?.totpSecret || user.totpEnabledAt) throw new Conflict('Start the authenticator set-up first');
      if ((await this.check(user.id, user.totpSecret, code, m)) !== 'ok')
        throw new DomainError('totp_invalid', 401, 'Invalid authenticator code');
      await this.users.enableTotp(m, user.id, this.clock.now());
      await this.tokens.markMfa(m, p.tokenId);
      await this.audit.record(m, actor, {
        action: 'auth.totp_enabled',
        targetType: 'staff_user',
        targetId: user.id,
      });
      return { enabled: true as const };
    });
  }

  /** The base32 secret: sealed values are opened; a plain one predates sealing (sealed at acceptance). */
  private open(stored: string): string {
    return SecretBox.isSealed(stored) ? this.box.open(stored) : stored;
  }

  /**
   * Accepts a code's time step once: a conditional UPDATE takes only a step later than the last accepted,
   * so a code read over a shoulder or replayed from a log cannot sign in again within its 90-second window,
   * even by parallel requests. Seals a secret still stored in plain text.
   */
  private accept(m: EntityManager, userId: string, step: number, stored: string): Promise<boolean> {
    return this.users.acceptTotpStep(
      m,
      userId,
      step,
      SecretBox.isSealed(stored) ? undefined : this.box.seal(stored),
    );
  }
}
