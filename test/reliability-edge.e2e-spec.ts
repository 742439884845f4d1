import { readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { ProvisioningSandbox } from '../src/sandbox/provisioning-sandbox';
import { freePort, startTestApp, TestApp } from './helpers/app';
import { staffTokens } from './helpers/staff';
import { eventually } from './helpers/eventually';
import { within } from './helpers/within';

jest.setTimeout(90_000);

/** The smaller faults of issue 19: malformed bodies, Redis away from /metrics, the provisioning sandbox's port. */
describe('reliability at the edges', () => {
  let t: TestApp;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ CANDOR_ROLE: 'api' });
    ({ tokens } = await staffTokens(t));
  });
  afterAll(() => t?.close());

  it.each([
    ['nested 50,000 levels deep', '['.repeat(50_000) + ']'.repeat(50_000), /nested more than 32/],
    ['an unpaired surrogate', '{"email":"\\ud800","password":"x"}', /not valid Unicode/],
  ])('answers 400, not 500, to a JSON body %s', async (_what, body, message) => {
    for (const [path, auth] of [
      ['/auth/login', null],
      ['/incidents', tokens.admin],
    ] as const) {
      const req = t.http().post(path).set('content-type', 'application/json');
      if (auth) req.set('authorization', `Bearer ${auth}`);
      const res = await req.send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.message).toMatch(message);
    }
  });

  it('closes promptly with keep-alive connections open: an idle one, and one that has not finished its request', async () => {
    const app = await startTestApp({ CANDOR_ROLE: 'api' }, undefined, { listen: true });
    const port = Number(new URL(app.env.PUBLIC_BASE_URL).port);
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s)).on('error', reject);
      });
    const ended = (s: Socket) => new Promise((r) => (s.destroyed ? r(null) : s.once('close', r)));
    // idle: one request answered, the connection kept alive (65 s by HTTP_KEEP_ALIVE_TIMEOUT_MS)
    const idle = await open();
    const answered = new Promise((r) => idle.once('data', r));
    idle.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await answered;
    // busy: headers begun but never finished (a slow client, or a stream)
    const busy = await open();
    busy.write('GET /status HTTP/1.1\r\nHost: x\r\n');
    await within(30_000, 'the app to close with two connections open', app.close());
    await within(10_000, 'the server to close both connections', Promise.all([ended(idle), ended(busy)]));
  });

  it('/metrics answers at once without Redis, and Redis errors reach the log as one masked line', async () => {
    const dead = await freePort(); // nothing listens here
    const app = await startTestApp(
      { CANDOR_ROLE: 'api', REDIS_URL: `redis://127.0.0.1:${dead}` },
      { dbUrl: t.dbUrl },
    );
    try {
      const res = await within(5_000, '/metrics with Redis away', app.http().get('/metrics'));
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^candor_queue_counts_up 0$/m);
      expect(res.text).toMatch(/candor_http_request_duration_seconds/);
      // (the process's logger may write to the first app's file: read both)
      const lines = [app.logFile, t.logFile]
        .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
        .filter((l) => l.includes('ECONNREFUSED'));
      expect(lines.some((l) => /redis: connect ECONNREFUSED/.test(l))).toBe(true);
      for (const l of lines) expect(l).not.toMatch(/\\n\s+at /); // one line each, no stack trace
    } finally {
      await app.close();
    }
    // and with Redis there, the depths are read
    await eventually(
      async () => /^candor_queue_counts_up 1$/m.test((await t.http().get('/metrics').expect(200)).text),
      15_000,
      'a scrape that read every queue depth',
    );
  });

  it('starts no provisioning sandbox until a cutover needs it: two processes with one fixed port boot', async () => {
    const port = String(await freePort());
    const a = await startTestApp({ SANDBOX_PROVISIONING_PORT: port }, { dbUrl: t.dbUrl });
    const b = await startTestApp({ SANDBOX_PROVISIONING_PORT: port }, { dbUrl: t.dbUrl });
    try {
      expect(a.get<ProvisioningSandbox>(ProvisioningSandbox).address).toBeUndefined();
      expect(b.get<ProvisioningSandbox>(ProvisioningSandbox).address).toBeUndefined();
      // the first cutover starts it on the configured port
      expect(await a.get<ProvisioningSandbox>(ProvisioningSandbox).start(Number(port))).toBe(
        `http://127.0.0.1:${port}`,
      );
    } finally {
      await a.close();
      await b.close();
    }
  });
});
