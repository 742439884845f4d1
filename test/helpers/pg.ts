import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/** The server tests run against; the same default as the app (trust auth on this machine). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Digest of the migrations folder: a change of any migration means a new template. */
function migrationsDigest(): string {
  const dir = join(__dirname, '..', '..', 'migrations');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The migrated template every test file clones. Its name carries the migrations' digest, so checkouts with
 * different migrations (branches, worktrees) can run their suites side by side on one server.
 */
export const TEMPLATE_DB = `candor_template_${migrationsDigest()}`;

export function dbUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
