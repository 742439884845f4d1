import { NestExpressApplication } from '@nestjs/platform-express';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/bootstrap';
import { Clock } from '../../src/platform/clock/clock';
import { createTestDatabase } from './db';
import { assertNoPhoneNumbersLogged } from './log-guard';

export interface TestApp {
  app: NestExpressApplication;
  http: () => TestAgent;
  db: DataSource;
  dbUrl: string;
  logFile: string;
  /** Environment the app was booted with (reuse it to boot a second instance on the same database). */
  env: Record<string, string>;
  /** The app's Clock: tests move it (`travelTo`) and write times it compares with (`t.clock.now()`, not SQL now()). */
  clock: Clock;
  get<T>(token: any): T;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Boots the real application against a fresh database and a unique BullMQ prefix. Logs go to a file that
 * close() checks for unmasked phone numbers: privacy is asserted on every e2e test file.
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  shared?: { dbUrl: string },
  opts: { listen?: boolean } = {},
): Promise<TestApp> {
  const database = shared ? null : await createTestDatabase();
  const url = shared?.dbUrl ?? database!.url;
  const testName = basename(expect.getState().testPath ?? 'unknown').replace(/\W+/g, '-');
  const logFile = join(
    __dirname,
    '..',
    '..',
    'test-output',
    'logs',
    `${testName}-${randomBytes(3).toString('hex')}.log`,
  );
  // Listening apps (webhooks from the Twilio sandbox, browsers) get a free port and a matching public URL. The
  // port is free when asked, and may be taken by a parallel test before the app binds it: then another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootTestApp(url, database, logFile, overrides, opts);
    } catch (e) {
      if (!opts.listen || attempt === 3 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        await database?.drop();
        throw e;
      }
    }
  }
}

async function bootTestApp(
  url: string,
  database: Awaited<ReturnType<typeof createTestDatabase>> | null,
  logFile: string,
  overrides: Record<string, string>,
  opts: { listen?: boolean },
): Promise<TestApp> {
  const port = opts.listen ? await freePort() : 3000;
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: url,
    DATABASE_AUTO_CREATE: 'false',
    DATABASE_MIGRATE_ON_START: 'false',
    DATABASE_POOL_MAX: '8', // two test files at once, plus worker processes, share max_connections
    QUEUE_PREFIX: prefix,
    // Each app its own snapshot file; a changed page waits for its refresh (tests read what they just wrote).
    STATUS_PAGE_SNAPSHOT_FILE: join(__dirname, '..', '..', 'test-output', 'snapshots', `${prefix}.json`),
    STATUS_PAGE_FRESH_WAIT_MS: '5000',
    LOG_FILE: logFile,
    LOG_LEVEL: 'debug',
    PSEUDONYM_KEY: 'test-pseudonym-key-0123456789',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    TWILIO_ACCOUNT_SID: '',
    TWILIO_AUTH_TOKEN: '',
    SMTP_URL: '',
    // The time of day is irrelevant unless a test says otherwise: quiet hours are tested at chosen instants
    // on the Clock (test/clock.e2e-spec.ts), with SMS_QUIET_HOURS set there.
    SMS_QUIET_HOURS: 'off',
    ...overrides,
  };
  const app = await createApp({ overrides: env, listen: !!opts.listen });
  const server = app.getHttpServer();
  return {
    app,
    http: () => request(server),
    db: app.get(DataSource),
    dbUrl: url,
    logFile,
    env,
    clock: app.get(Clock),
    get: (token) => app.get(token, { strict: false }),
    async close() {
      await app.close();
      if (database) await database.drop();
      assertNoPhoneNumbersLogged(logFile);
    },
  };
}
