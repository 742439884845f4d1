import { randomBytes } from 'node:crypto';
import { dbUrl, TEMPLATE_DB, withAdmin } from './pg';

/** A fresh, migrated database for one test file, cloned from the template in milliseconds. */
export async function createTestDatabase(): Promise<{
  name: string;
  url: string;
  drop: () => Promise<void>;
}> {
  const name = `candor_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (c) => {
    // Cloning needs the template to be idle; retry briefly if another file is cloning at the same moment.
    for (let i = 0; ; i++) {
      try {
        await c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
        return;
      } catch (e: any) {
        if (i > 50 || !/being accessed by other users/.test(e.message)) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return {
    name,
    url: dbUrl(name),
    drop: () => withAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
