import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/platform/database/data-source-options';
import { dbUrl, TEMPLATE_DB, withAdmin } from './pg';

/**
 * Migrates `candor_template` once per change of the migrations; every test file then clones it
 * (CREATE DATABASE ... TEMPLATE), which takes milliseconds. An advisory lock serialises concurrent runs.
 */
export default async function globalSetup(): Promise<void> {
  const root = join(__dirname, '..', '..');
  rmSync(join(root, 'test-output', 'logs'), { recursive: true, force: true });
  mkdirSync(join(root, 'test-output', 'logs'), { recursive: true });
  const dir = join(root, 'migrations');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  const digest = hash.digest('hex').slice(0, 16);

  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_advisory_lock(4242001)');
    try {
      const { rows } = await admin.query(
        `SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = $1`,
        [TEMPLATE_DB],
      );
      if (rows[0]?.note === digest) return;
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
        TEMPLATE_DB,
      ]);
      await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
      await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
      const ds = new DataSource(dataSourceOptions(dbUrl(TEMPLATE_DB)));
      await ds.initialize();
      try {
        await ds.runMigrations();
      } finally {
        await ds.destroy();
      }
      await admin.query(`COMMENT ON DATABASE ${TEMPLATE_DB} IS '${digest}'`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(4242001)');
    }
  });
}
