import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { STAFF_ROLES, StaffRole } from '../platform/http/principal';
import { passwordProblem } from '../identity/credentials';
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
  serviceAccount?: boolean;
  phone?: string;
}

/** Reads a line from the terminal without echoing it. */
export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new Error('no terminal to ask for the password: set CANDOR_NEW_USER_PASSWORD');
  process.stderr.write(question);
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/**
 * The password never goes on the command line (shell history, `ps`): it comes from CANDOR_NEW_USER_PASSWORD
 * or a hidden prompt, and is checked (length, common and guessable passwords) before the app starts.
 */
@SubCommand({ name: 'create', description: 'Create a staff user (the first admin, typically)' })
export class UsersCreateCommand extends CommandRunner {
  async run(_: string[], o: CreateOptions): Promise<void> {
    if (!o.email || !o.role) throw new Error('--email and --role are required');
    let password: string | undefined;
    if (!o.serviceAccount) {
      password = process.env.CANDOR_NEW_USER_PASSWORD || (await promptHidden('Password for the new user: '));
      const problem = passwordProblem(password, [o.email, o.name ?? '']);
      if (problem) throw new Error(problem);
    }
    const user = await withApp((app) =>
      app.get(UsersService).create(
        {
          email: o.email,
          displayName: o.name ?? o.email,
          role: o.role,
          password,
          phone: o.phone,
          serviceAccount: !!o.serviceAccount,
        },
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

  @Option({
    flags: '--service-account',
    description: 'a named account for automation: API keys only, no password',
  })
  serviceAccount() {
    return true;
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
