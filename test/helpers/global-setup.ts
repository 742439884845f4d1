import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/platform/database/data-source-options';
import { dbUrl, TEMPLATE_DB, withAdmin } from './pg';

/**
 * Migrates the template database once per version of the migrations (its name carries their digest);
 * every test file then clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds. An advisory
 * lock serialises concurrent runs; a template is marked complete by a comment only after it migrated.
 */
export default async function globalSetup(): Promise<void> {
  const root = join(__dirname, '..', '..');
  rmSync(join(root, 'test-output', 'logs'), { recursive: true, force: true });
  mkdirSync(join(root, 'test-output', 'logs'), { recursive: true });
  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_advisory_lock(4242001)');
    try {
      const { rows } = await admin.query(
        `SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = $1`,
        [TEMPLATE_DB],
      );
      if (rows[0]?.note === 'migrated') return;
      await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
      const ds = new DataSource(dataSourceOptions(dbUrl(TEMPLATE_DB)));
      await ds.initialize();
      try {
        await ds.runMigrations();
      } finally {
        await ds.destroy();
      }
      await admin.query(`COMMENT ON DATABASE ${TEMPLATE_DB} IS 'migrated'`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(4242001)');
    }
  });
}
