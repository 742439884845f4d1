import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/platform/database/data-source-options';
import { dbUrl, withAdmin } from './helpers/pg';

describe('migrations', () => {
  const name = `candor_mig_${randomBytes(4).toString('hex')}`;
  let ds: DataSource;

  beforeAll(async () => {
    await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
    ds = new DataSource(dataSourceOptions(dbUrl(name)));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  const userTables = async () =>
    (
      await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
      )
    ).map((r: any) => r.table_name);

  it('run on an empty database, revert cleanly to nothing, and run again', async () => {
    const applied = await ds.runMigrations();
    expect(applied.length).toBeGreaterThan(0);
    expect(await userTables()).toEqual(
      expect.arrayContaining(['audit_events', 'staff_users', 'subscribers']),
    );
    expect(await ds.showMigrations()).toBe(false);

    for (let i = 0; i < applied.length; i++) await ds.undoLastMigration();
    expect(await userTables()).toEqual([]);
    const leftovers = await ds.query(
      `SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
    );
    expect(leftovers).toEqual([]);

    const again = await ds.runMigrations();
    expect(again.map((m) => m.name)).toEqual(applied.map((m) => m.name));
  });
});
