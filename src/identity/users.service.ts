import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, QueryFailedError } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { mask, toE164 } from '../platform/privacy';
import { StaffToken } from './staff-token.entity';
import { StaffRole } from '../platform/http/principal';
import { hashPassword } from './secrets';
import { StaffUser } from './staff-user.entity';

export interface NewStaffUser {
  email: string;
  displayName: string;
  role: StaffRole;
  password: string;
  phone?: string | null;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** A staff phone in any format → E.164 (a mobile, since it receives reminder SMS); 400 naming the field. */
  normalisePhone(phone: string | null | undefined): string | null | undefined {
    if (phone === undefined || phone === null) return phone;
    const e164 = toE164(phone, this.config.privacy.defaultCountry, true);
    if (!e164)
      throw new BadRequestException({
        message: 'Validation failed',
        details: [{ field: 'phone', messages: ['phone must be a mobile number, e.g. 07911 123456'] }],
      });
    return e164;
  }

  async create(input: NewStaffUser, actor: Actor): Promise<StaffUser> {
    const phone = this.normalisePhone(input.phone);
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.db.transaction(async (m) => {
        const user = await m.save(
          m.create(StaffUser, {
            email: input.email,
            displayName: input.displayName,
            role: input.role,
            phone: phone ?? null,
            passwordHash,
          }),
        );
        await this.audit.record(m, actor, {
          action: 'user.create',
          targetType: 'staff_user',
          targetId: user.id,
          summary: { role: input.role, ...(phone ? { phone: mask(phone) } : {}) },
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

  findByEmail(email: string): Promise<StaffUser | null> {
    return this.db
      .getRepository(StaffUser)
      .createQueryBuilder('u')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
  }

  findById(id: string): Promise<StaffUser | null> {
    return this.db.getRepository(StaffUser).findOne({ where: { id } });
  }

  /**
   * Role, name, active flag, phone. Deactivating ends the user's sessions in the same transaction (their
   * API keys stop working too: a token only resolves for an active user). Phones are audited masked.
   */
  async update(
    id: string,
    input: { role?: StaffRole; active?: boolean; displayName?: string; phone?: string | null },
    actor: Actor,
  ): Promise<StaffUser> {
    const patch = { ...input, phone: this.normalisePhone(input.phone) };
    return this.db.transaction(async (m) => {
      const user = await m.findOne(StaffUser, { where: { id } });
      if (!user) throw new NotFoundException('No such user');
      const shown = (u: { phone?: string | null }) =>
        u.phone === undefined ? undefined : u.phone === null ? null : mask(u.phone);
      const before = {
        role: user.role,
        active: user.active,
        displayName: user.displayName,
        phone: shown(user),
      };
      const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      Object.assign(user, changes);
      await m.save(user);
      let sessionsEnded = 0;
      if (patch.active === false) {
        const res = await m.update(
          StaffToken,
          { userId: id, kind: 'session', revokedAt: IsNull() },
          { revokedAt: this.clock.now() },
        );
        sessionsEnded = res.affected ?? 0;
      }
      await this.audit.record(m, actor, {
        action: 'user.update',
        targetType: 'staff_user',
        targetId: id,
        summary: {
          before,
          after: { ...changes, ...(changes.phone !== undefined ? { phone: shown(patch) } : {}) },
          ...(patch.active === false ? { sessionsEnded } : {}),
        },
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
