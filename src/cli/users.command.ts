import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { STAFF_ROLES, StaffRole } from '../platform/http/principal';
import { UsersService } from '../identity/users.service';
import { mask } from '../platform/privacy';
import { withApp } from './cli-app';

/** A staff role from the command line, or a clear error naming the roles (not a database constraint error). */
export function parseRole(v: string): StaffRole {
  const role = v.trim().toLowerCase();
  if (!(STAFF_ROLES as readonly string[]).includes(role))
    throw new Error(
      `"${v}" is not a staff role; use one of: ${STAFF_ROLES.join(', ')} (customers sign in with a one-time code, not as staff)`,
    );
  return role as StaffRole;
}

interface CreateOptions {
  email: string;
  name?: string;
  role: StaffRole;
  password?: string;
  phone?: string;
}

@SubCommand({ name: 'create', description: 'Create a staff user (the first admin, typically)' })
export class UsersCreateCommand extends CommandRunner {
  async run(_: string[], o: CreateOptions): Promise<void> {
    const password = o.password ?? process.env.CANDOR_NEW_USER_PASSWORD;
    if (!o.email || !o.role || !password)
      throw new Error('--email, --role and --password (or CANDOR_NEW_USER_PASSWORD) are required');
    if (password.length < 12) throw new Error('password must be at least 12 characters');
    const user = await withApp((app) =>
      app
        .get(UsersService)
        .create(
          { email: o.email, displayName: o.name ?? o.email, role: o.role, password, phone: o.phone },
          SYSTEM_ACTOR,
        ),
    );
    process.stdout.write(JSON.stringify({ id: user.id, email: user.email, role: user.role }) + '\n');
  }

  @Option({ flags: '--phone <phone>', description: 'mobile for reminder SMS (any format)' })
  phone(v: string) {
    return v;
  }

  @Option({ flags: '--email <email>', required: true })
  email(v: string) {
    return v;
  }

  @Option({ flags: '--name <name>' })
  name(v: string) {
    return v;
  }

  @Option({ flags: '--role <role>', required: true, description: `one of ${STAFF_ROLES.join(', ')}` })
  role(v: string) {
    return parseRole(v);
  }

  @Option({ flags: '--password <password>', description: 'or set CANDOR_NEW_USER_PASSWORD' })
  password(v: string) {
    return v;
  }
}

@SubCommand({
  name: 'set-phone',
  arguments: '<email> [phone]',
  description: "Set a staff user's mobile for reminder SMS (any format); no phone removes it",
})
export class UsersSetPhoneCommand extends CommandRunner {
  async run([email, phone]: string[]): Promise<void> {
    const user = await withApp(async (app) => {
      const users = app.get(UsersService);
      const found = await users.findByEmail(email);
      if (!found) throw new Error(`no staff user with email ${email}`);
      return users.update(found.id, { phone: phone ?? null }, SYSTEM_ACTOR);
    });
    process.stdout.write(
      JSON.stringify({ id: user.id, email: user.email, phone: user.phone ? mask(user.phone) : null }) + '\n',
    );
  }
}

@Command({
  name: 'users',
  description: 'Manage staff users',
  subCommands: [UsersCreateCommand, UsersSetPhoneCommand],
})
export class UsersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
