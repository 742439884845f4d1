import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '../../src/platform/http/actor';
import { StaffRole } from '../../src/platform/http/principal';
import { UsersService } from '../../src/identity/users.service';
import { TestApp } from './app';

export const PASSWORD = 'correct-horse-battery-staple';

/** Creates a user per role and logs each in; returns bearer tokens by role. */
export async function staffTokens(
  t: TestApp,
  roles: StaffRole[] = ['comms', 'support', 'supervisor', 'admin'],
) {
  const users = t.get<UsersService>(UsersService);
  const tokens = {} as Record<StaffRole, string>;
  const ids = {} as Record<StaffRole, string>;
  for (const role of roles) {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@candor.test`;
    const u = await users.create(
      { email, displayName: `${role} user`, role, password: PASSWORD },
      SYSTEM_ACTOR,
    );
    const res = await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    tokens[role] = res.body.token;
    ids[role] = u.id;
  }
  return { tokens, ids };
}

export async function count(db: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await db.query(sql, params);
  return Number(rows[0]?.n ?? rows[0]?.count ?? 0);
}
