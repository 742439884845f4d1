import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startTestApp, TestApp } from './helpers/app';
import { createTestDatabase } from './helpers/db';
import { eventually } from './helpers/eventually';
import { openIncidentWithUpdate } from './helpers/incidents';
import { assertNoPhoneNumbersLogged } from './helpers/log-guard';
import { PG_ADMIN_URL } from './helpers/pg';
import { staffTokens } from './helpers/staff';
import { TcpProxy } from './helpers/tcp-proxy';

jest.setTimeout(180_000); // a process boot takes 20 s and more on a loaded machine

const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');

/**
 * An API process (`dist/src/main.js`) started while its PostgreSQL is down: it must not exit at boot but
 * serve the status page from the snapshot file the last refresh wrote (another process here, with a working
 * database, wrote it), answer staff routes with a fast 503, and go live by itself once the database is back.
 */
describe('faults: an API process that starts while PostgreSQL is down', () => {
  let pg: TcpProxy;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp; // the "other" API process, reaching PostgreSQL directly
  let child: ChildProcess | undefined;
  let childLog: string;
  let base: string;

  beforeAll(async () => {
    pg = await new TcpProxy(Number(new URL(PG_ADMIN_URL).port || 5432)).start();
    database = await createTestDatabase();
    t = await startTestApp({ STATUS_PAGE_REFRESH_SECONDS: '1' }, { dbUrl: database.url });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    await t?.close();
    await pg?.stop();
    await database?.drop();
    if (childLog) assertNoPhoneNumbersLogged(childLog);
  });

  const get = (path: string, token?: string) =>
    fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('serves the last snapshot, answers staff with 503, then goes live once the database returns', async () => {
    const { tokens } = await staffTokens(t);
    await openIncidentWithUpdate(t, tokens, { title: 'Snapshot before the outage' });
    // A refresh of the working process writes the snapshot file both processes share.
    await eventually(
      async () => (await t.http().get('/status')).text.includes('Snapshot before the outage'),
      15_000,
      'the first page',
    );
    await eventually(
      () => readSnapshot(t.env.STATUS_PAGE_SNAPSHOT_FILE).includes('Snapshot before the outage'),
      15_000,
      'the snapshot file',
    );

    pg.down();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    childLog = t.logFile.replace(/\.log$/, '-offline-api.log');
    child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        ...t.env,
        CANDOR_ROLE: 'api',
        DATABASE_URL: pg.via(database.url),
        DATABASE_AUTO_CREATE: 'true', // the default: an unreachable server must not stop the boot either
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '1500',
        STATUS_PAGE_REFRESH_SECONDS: '1',
        STATUS_PAGE_READ_TIMEOUT_MS: '1500',
        PORT: String(port),
        PUBLIC_BASE_URL: base,
        LOG_FILE: childLog,
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    const first = (await eventually(
      () =>
        Promise.race([
          get('/status').catch(() => null), // refused until it listens
          exited.then((code) => {
            throw new Error(`the API process exited at boot (code ${code})`);
          }),
        ]),
      120_000,
      'the offline API process to listen',
    ))!;
    expect(first.status).toBe(200);
    expect(first.headers.get('x-status-stale')).toBe('1');
    expect(await first.text()).toContain('Snapshot before the outage');
    const json = await get('/status.json');
    expect(json.status).toBe(200);
    expect(json.headers.get('x-status-stale')).toBe('1');
    expect(JSON.stringify(await json.json())).toContain('Snapshot before the outage');

    // Staff routes need the database (the session itself): a 503 in the error shape, never a hung socket.
    const staff = await get('/incidents', tokens.comms);
    expect(staff.status).toBe(503);
    expect(((await staff.json()) as { statusCode: number }).statusCode).toBe(503);

    // Meanwhile the working process publishes; the offline one cannot know until the database is back.
    await openIncidentWithUpdate(t, tokens, { title: 'Published during the outage' });
    expect(await (await get('/status')).text()).not.toContain('Published during the outage');

    pg.up();
    const live = await eventually(
      async () => {
        const res = await get('/status');
        const body = await res.text();
        return res.headers.get('x-status-stale') === null && body.includes('Published during the outage')
          ? body
          : null;
      },
      30_000,
      'the page to go live after the database returned',
    );
    expect(live).toContain('Snapshot before the outage');
    expect((await get('/incidents', tokens.comms)).status).toBe(200);
    expect(child.exitCode).toBeNull(); // it never restarted: the same process recovered
  });
});

function readSnapshot(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
