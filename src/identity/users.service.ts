import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
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
  ) {}

  async create(input: NewStaffUser, actor: Actor): Promise<StaffUser> {
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.db.transaction(async (m) => {
        const user = await m.save(
          m.create(StaffUser, {
            email: input.email,
            displayName: input.displayName,
            role: input.role,
            phone: input.phone ?? null,
            passwordHash,
          }),
        );
        await this.audit.record(m, actor, {
          action: 'user.create',
          targetType: 'staff_user',
          targetId: user.id,
          summary: { role: input.role },
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
    patch: { role?: StaffRole; active?: boolean; displayName?: string },
    actor: Actor,
  ): Promise<StaffUser> {
    return this.db.transaction(async (m) => {
      const user = await m.findOne(StaffUser, { where: { id } });
      if (!user) throw new NotFoundException('No such user');
      const before = { role: user.role, active: user.active, displayName: user.displayName };
      Object.assign(user, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
      await m.save(user);
      await this.audit.record(m, actor, {
        action: 'user.update',
        targetType: 'staff_user',
        targetId: id,
        summary: { before, after: patch },
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
