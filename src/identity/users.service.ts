import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { mask, toE164 } from '../platform/privacy';
import { StaffRole } from '../platform/http/principal';
import { canonicalEmail, passwordProblem } from './credentials';
import { hashPassword } from './secrets';
import { StaffTokensRepository } from './staff-tokens.repository';
import { StaffUsersRepository } from './staff-users.repository';
import { StaffUser } from './staff-user.entity';
import { Conflict, InvalidInput, NotFound } from '../platform/http/domain-error';
import { isUniqueViolation } from '../platform/database/unique-violation';

export interface NewStaffUser {
  email: string;
  displayName: string;
  role: StaffRole;
  /** Required for people; a service account has none (it never signs in). */
  password?: string;
  phone?: string | null;
  serviceAccount?: boolean;
}

function invalid(field: string, message: string): InvalidInput {
  return new InvalidInput('Validation failed', [{ field, messages: [message] }]);
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: StaffUsersRepository,
    private readonly tokens: StaffTokensRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** A staff phone in any format → E.164 (a mobile, since it receives reminder SMS); 400 naming the field. */
  normalisePhone(phone: string | null | undefined): string | null | undefined {
    if (phone === undefined || phone === null) return phone;
    const e164 = toE164(phone, this.config.privacy.defaultCountry, true);
    if (!e164) throw invalid('phone', 'phone must be a mobile number, e.g. 07911 123456');
    return e164;
  }

  /**
   * Creates a person (a password that is long and hard to guess) or a named service account (no password).
   * The email is stored in its one canonical form (ASCII, lower case).
   */
  async create(input: NewStaffUser, actor: Actor): Promise<StaffUser> {
    const email = canonicalEmail(input.email);
    if (!email) throw invalid('email', 'email must use ASCII characters only');
    const service = input.serviceAccount === true;
    if (service && input.password !== undefined)
      throw invalid('password', 'a service account has no password (it uses API keys)');
    if (!service) {
      if (input.password === undefined) throw invalid('password', 'password is required');
      const problem = passwordProblem(input.password, [email, input.displayName]);
      if (problem) throw invalid('password', problem);
    }
    const phone = this.normalisePhone(input.phone);
    const passwordHash = service ? null : await hashPassword(input.password!);
    try {
      return await this.db.transaction(async (m) => {
        const user = await this.users.insert(m, {
          email,
          displayName: input.displayName,
          role: input.role,
          phone: phone ?? null,
          passwordHash,
          serviceAccount: service,
        });
        await this.audit.record(m, actor, {
          action: 'user.create',
          targetType: 'staff_user',
          targetId: user.id,
          summary: { role: input.role, serviceAccount: service, ...(phone ? { phone: mask(phone) } : {}) },
        });
        delete (user as Partial<StaffUser>).passwordHash;
        return user;
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new Conflict('A user with this email already exists');
      }
      throw e;
    }
  }

  list(): Promise<StaffUser[]> {
    return this.users.list();
  }

  findByEmail(email: string): Promise<StaffUser | null> {
    return this.users.findByEmail(email);
  }

  findById(id: string): Promise<StaffUser | null> {
    return this.users.findById(id);
  }

  /**
   * Role, name, active flag, phone, authenticator reset. Deactivating, changing the role or resetting the
   * authenticator revokes the user's sessions and API keys in the same transaction (issue 18, F21): turning
   * the user back on does not bring them back. Phones are audited masked.
   */
  async update(
    id: string,
    input: {
      role?: StaffRole;
      active?: boolean;
      displayName?: string;
      phone?: string | null;
      resetTotp?: boolean;
    },
    actor: Actor,
  ): Promise<StaffUser> {
    const patch = { ...input, phone: this.normalisePhone(input.phone) };
    return this.db.transaction(async (m) => {
      const user = await this.users.findForUpdate(m, id);
      if (!user) throw new NotFound('No such user');
      const shown = (u: { phone?: string | null }) =>
        u.phone === undefined ? undefined : u.phone === null ? null : mask(u.phone);
      const before = {
        role: user.role,
        active: user.active,
        displayName: user.displayName,
        phone: shown(user),
      };
      const { resetTotp, ...fields } = patch;
      const changes = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      Object.assign(user, changes);
      if (resetTotp) Object.assign(user, { totpSecret: null, totpEnabledAt: null });
      await this.users.save(m, user);
      // A deactivation, a role change or a new authenticator ends every session and key the user had: a
      // reactivated or re-roled account starts from a fresh sign-in, never from an old token (F21).
      const revoke =
        (patch.active !== undefined && patch.active !== before.active) ||
        (patch.role !== undefined && patch.role !== before.role) ||
        resetTotp === true;
      let tokensRevoked = 0;
      if (revoke) tokensRevoked = await this.tokens.revoke(m, { userId: id }, this.clock.now());
      await this.audit.record(m, actor, {
        action: 'user.update',
        targetType: 'staff_user',
        targetId: id,
        summary: {
          before,
          after: { ...changes, ...(changes.phone !== undefined ? { phone: shown(patch) } : {}) },
          ...(resetTotp ? { resetTotp } : {}),
          ...(revoke ? { tokensRevoked } : {}),
        },
      });
      return user;
    });
  }

  /** Staff to remind or escalate to (incident cadence): active users with the given roles. */
  findActiveByRoles(roles: StaffRole[]): Promise<StaffUser[]> {
    return this.users.findActiveByRoles(roles);
  }
}
