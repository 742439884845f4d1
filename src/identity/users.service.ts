import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { canonicalEmail, passwordProblem } from './credentials';
import { StaffRole } from './roles';
import { hashPassword } from './secrets';
import { StaffUser } from './staff-user.entity';

export interface NewStaffUser {
  email: string;
  displayName: string;
  role: StaffRole;
  /** Required for people; a service account has none (it never signs in). */
  password?: string;
  phone?: string | null;
  serviceAccount?: boolean;
}

function invalid(field: string, message: string): BadRequestException {
  return new BadRequestException({ message: 'Validation failed', details: [{ field, messages: [message] }] });
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

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
    const passwordHash = service ? null : await hashPassword(input.password!);
    try {
      return await this.db.transaction(async (m) => {
        const user = await m.save(
          m.create(StaffUser, {
            email,
            displayName: input.displayName,
            role: input.role,
            phone: input.phone ?? null,
            passwordHash,
            serviceAccount: service,
          }),
        );
        await this.audit.record(m, actor, {
          action: 'user.create',
          targetType: 'staff_user',
          targetId: user.id,
          summary: { role: input.role, serviceAccount: service },
        });
        delete (user as Partial<StaffUser>).passwordHash;
        return user;
      });
    } catch (e) {
      if (e instanceof QueryFailedError && (e as any).code === '23505') {
        throw new ConflictException('A user with this email already exists');
      }
      throw e;
    }
  }

  list(): Promise<StaffUser[]> {
    return this.db.getRepository(StaffUser).find({ order: { createdAt: 'ASC' } });
  }

  async update(
    id: string,
    patch: { role?: StaffRole; active?: boolean; displayName?: string; resetTotp?: boolean },
    actor: Actor,
  ): Promise<StaffUser> {
    return this.db.transaction(async (m) => {
      const user = await m.findOne(StaffUser, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new NotFoundException('No such user');
      const before = { role: user.role, active: user.active, displayName: user.displayName };
      const { resetTotp, ...fields } = patch;
      Object.assign(user, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
      if (resetTotp) Object.assign(user, { totpSecret: null, totpEnabledAt: null });
      await m.save(user);
      // A deactivation, a role change or a new authenticator ends every session and key the user had: a
      // reactivated or re-roled account starts from a fresh sign-in, never from an old token.
      const revoke =
        (patch.active !== undefined && patch.active !== before.active) ||
        (patch.role !== undefined && patch.role !== before.role) ||
        resetTotp === true;
      if (revoke)
        await m.query(
          `UPDATE staff_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
          [id],
        );
      await this.audit.record(m, actor, {
        action: 'user.update',
        targetType: 'staff_user',
        targetId: id,
        summary: { before, after: patch, tokensRevoked: revoke },
      });
      return user;
    });
  }

  /** Staff to remind or escalate to (incident cadence): active users with the given roles. */
  findActiveByRoles(roles: StaffRole[]): Promise<StaffUser[]> {
    return this.db
      .getRepository(StaffUser)
      .createQueryBuilder('u')
      .where('u.active AND u.role IN (:...roles)', { roles })
      .getMany();
  }
}
