import { Logger, INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '../../platform/http/actor';
import { StaffUser } from '../../identity/staff-user.entity';
import { UsersService } from '../../identity/users.service';
import { AppConfig } from '../../platform/config';

// The demo's people and its polling helper, shared by every module's part of the story.
const log = new Logger('Demo');

/** A demo staff member by email (created once), as the actor of the story's staff actions. */
export async function demoStaff(app: INestApplication, email: string, role: 'comms' | 'supervisor') {
  const found = await app.get(DataSource).getRepository(StaffUser).findOne({ where: { email } });
  const u =
    found ??
    (await app
      .get(UsersService)
      .create(
        { email, displayName: `Demo ${role}`, role, password: randomBytes(12).toString('hex') },
        SYSTEM_ACTOR,
      ));
  return { type: 'staff' as const, id: u.id, role };
}

/**
 * One demo user per role for the staff console, with the admin's demo password when they are created
 * here (the story's comms and supervisor users are these same people).
 */
export async function consoleUsers(app: INestApplication, config: AppConfig, admin: { password?: string }) {
  const db = app.get(DataSource);
  const users = [{ email: 'admin@candor.test', role: 'admin' as const, password: admin.password }];
  for (const role of ['comms', 'supervisor', 'support'] as const) {
    const email = `${role}@candor.test`;
    const exists = await db.getRepository(StaffUser).findOne({ where: { email } });
    const password = exists ? undefined : (admin.password ?? randomBytes(9).toString('base64url'));
    if (!exists)
      await app
        .get(UsersService)
        .create({ email, displayName: `Demo ${role}`, role, password: password! }, SYSTEM_ACTOR);
    users.push({ email, role, password } as any);
  }
  return { url: `${config.http.publicBaseUrl}/console`, users };
}

export async function ensureAdmin(db: DataSource, users: UsersService) {
  const email = 'admin@candor.test';
  if (await db.getRepository(StaffUser).findOne({ where: { email } })) return { email, created: false };
  const password = process.env.CANDOR_DEMO_PASSWORD ?? randomBytes(9).toString('base64url');
  await users.create({ email, displayName: 'Demo Admin', role: 'admin', password }, SYSTEM_ACTOR);
  log.log('created demo admin');
  return { email, password, created: true };
}

/** Polls work a queue worker does (up to 20 s). */
export async function waitFor<T>(check: () => Promise<T | null>): Promise<T | null> {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}
