import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import { StaffRole } from '../platform/http/principal';
import { StaffUser } from './staff-user.entity';

/** The SQL of staff users; rows are the camelCase entity (secrets only where a method says so). */
@Injectable()
export class StaffUsersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  insert(m: EntityManager, fields: DeepPartial<StaffUser>): Promise<StaffUser> {
    return m.save(m.create(StaffUser, fields));
  }

  save(m: EntityManager, user: StaffUser): Promise<StaffUser> {
    return m.save(user);
  }

  list(): Promise<StaffUser[]> {
    return this.db.getRepository(StaffUser).find({ order: { createdAt: 'ASC' } });
  }

  findById(id: string, m: EntityManager = this.db.manager): Promise<StaffUser | null> {
    return m.findOne(StaffUser, { where: { id } });
  }

  findForUpdate(m: EntityManager, id: string): Promise<StaffUser | null> {
    return m.findOne(StaffUser, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Any case. */
  findByEmail(email: string): Promise<StaffUser | null> {
    return this.db
      .getRepository(StaffUser)
      .createQueryBuilder('u')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
  }

  /** For sign-in: with the password hash and TOTP secret; `canonical` is already lower case. */
  findWithSecrets(canonical: string): Promise<StaffUser | null> {
    return this.db
      .getRepository(StaffUser)
      .createQueryBuilder('u')
      .addSelect(['u.passwordHash', 'u.totpSecret'])
      .where('lower(u.email) = :email', { email: canonical })
      .getOne();
  }

  /** Locked in `m`'s transaction, with the TOTP secret (enrolment). */
  findWithTotpSecretForUpdate(m: EntityManager, id: string): Promise<StaffUser | null> {
    return m
      .getRepository(StaffUser)
      .createQueryBuilder('u')
      .addSelect('u.totpSecret')
      .where('u.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** A new (sealed) pending secret: no step accepted yet. */
  async setPendingTotp(m: EntityManager, id: string, sealedSecret: string): Promise<void> {
    await m.update(StaffUser, { id }, { totpSecret: sealedSecret, totpLastStep: null });
  }

  async enableTotp(m: EntityManager, id: string, at: Date): Promise<void> {
    await m.update(StaffUser, { id }, { totpEnabledAt: at });
  }

  /**
   * Accepts a TOTP time step only if it is later than the last accepted (a conditional UPDATE: parallel
   * requests cannot both use one code); `sealedSecret` replaces a secret stored in plain text.
   */
  async acceptTotpStep(m: EntityManager, id: string, step: number, sealedSecret?: string): Promise<boolean> {
    const set = sealedSecret
      ? { totpLastStep: String(step), totpSecret: sealedSecret }
      : { totpLastStep: String(step) };
    const res = await m
      .createQueryBuilder()
      .update(StaffUser)
      .set(set)
      .where('id = :userId AND (totp_last_step IS NULL OR totp_last_step < :step)', { userId: id, step })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  findActiveByRoles(roles: StaffRole[]): Promise<StaffUser[]> {
    return this.db
      .getRepository(StaffUser)
      .createQueryBuilder('u')
      .where('u.active AND u.role IN (:...roles)', { roles })
      .getMany();
  }
}
