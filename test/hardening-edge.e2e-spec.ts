import { get as httpGet } from 'node:http';
import { freePort, startTestApp, TestApp } from './helpers/app';
import { staffTokens } from './helpers/staff';
import { NOTICE_VARS } from './helpers/notices';

/** Issue 18: the edge of the API (F12, F13, F15, F17, F18, F27); each test replays a probe's attack. */
describe('hardening: the HTTP edge', () => {
  let t: TestApp;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({
      UPLOAD_MAX_BYTES: String(1024 * 1024),
      UPLOAD_MAX_LINE_BYTES: '4096',
      HTTP_JSON_LIMIT_BYTES: '65536',
    });
    ({ tokens } = await staffTokens(t));
  });
  afterAll(() => t?.close());

  const csvCampaign = async () =>
    (
      await t
        .http()
        .post('/campaigns')
        .auth(tokens.comms, { type: 'bearer' })
        .send({
          name: 'Edge test',
          kind: 'breach-notice',
          audienceType: 'csv',
          channelPolicy: 'sms',
          vars: NOTICE_VARS,
        })
        .expect(201)
    ).body.id as string;

  describe('F12: bounded uploads', () => {
    it('refuses a one-line CSV longer than UPLOAD_MAX_LINE_BYTES with 413, and nothing is added', async () => {
      const id = await csvCampaign();
      const res = await t
        .http()
        .post(`/campaigns/${id}/audience`)
        .auth(tokens.comms, { type: 'bearer' })
        .set('content-type', 'text/csv')
        .send('account_id\n' + 'A'.repeat(200_000))
        .expect(413);
      expect(res.body).toMatchObject({
        statusCode: 413,
        message: expect.stringMatching(/Line 2 is longer than 4096 bytes/),
      });
      expect(res.body.requestId).toEqual(expect.any(String));
      const [{ n }] = await t.db.query(
        `SELECT count(*)::int n FROM campaign_audience WHERE campaign_id = $1`,
        [id],
      );
      expect(n).toBe(0);
    });

    it('refuses a body declared larger than UPLOAD_MAX_BYTES with 413 at once (the stream is metered too: upload.spec.ts)', async () => {
      const id = await csvCampaign();
      const big = 'account_id\n' + 'ACC-0001\n'.repeat(130_000); // ~1.2 MB of short lines
      const res = await t
        .http()
        .post(`/campaigns/${id}/audience`)
        .auth(tokens.comms, { type: 'bearer' })
        .set('content-type', 'text/csv')
        .send(big)
        .expect(413);
      expect(res.body.message).toMatch(/Upload larger than 1048576 bytes/);
    });

    it('answers a JSON or form body on an upload route with 415 at once (it used to hang for ever)', async () => {
      const id = await csvCampaign();
      for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
        const res = await t
          .http()
          .post(`/campaigns/${id}/audience`)
          .auth(tokens.comms, { type: 'bearer' })
          .set('content-type', type)
          .send(type === 'application/json' ? '{"account_id":"A"}' : 'account_id=A')
          .timeout(5000)
          .expect(415);
        expect(res.body.message).toMatch(/Send the file as text\/csv or text\/plain/);
      }
    });

    it('refuses a JSON body above HTTP_JSON_LIMIT_BYTES with 413 and a clear message', async () => {
      const res = await t
        .http()
        .post('/incidents')
        .auth(tokens.comms, { type: 'bearer' })
        .send({ title: 'x', summary: 'y'.repeat(70_000) })
        .expect(413);
      expect(res.body.message).toBe('Request body larger than 65536 bytes');
    });
  });

  it('F27: a malformed body gets the request id and does not echo the body back', async () => {
    const res = await t
      .http()
      .post('/auth/login')
      .set('content-type', 'application/json')
      .set('x-request-id', 'probe-27')
      .send('{"email":"a@b.c","password":"hunter2-secret-value"')
      .expect(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Malformed request body: it is not valid JSON or form data',
      requestId: 'probe-27',
    });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
  });

  describe('F13: security headers', () => {
    it.each(['/status', '/affected', '/verify', '/status.json'])(
      '%s has a no-script CSP, nosniff and no framing',
      async (path) => {
        const res = await t.http().get(path);
        expect(res.status).toBeLessThan(500);
        const csp = res.headers['content-security-policy'];
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("form-action 'self'");
        expect(csp).not.toContain('script-src');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['x-frame-options']).toBe('DENY');
      },
    );

    it('the console and /docs may run their own scripts, nobody else’s', async () => {
      const res = await t.http().get('/docs/');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    });
  });

  describe('F15: hostile query and body values give 400, not 500', () => {
    it.each([
      ['an impossible date', '/audit?from=2026-02-31T00:00:00Z', 'from'],
      ['a huge cursor', '/audit?before=99999999999999999999999999', 'before'],
      ['a NUL byte', '/audit?action=auth.%00login', 'action'],
      ['a non-numeric cursor', '/audit?before=1e5', 'before'],
    ])('%s', async (_what, url, field) => {
      const res = await t.http().get(url).auth(tokens.admin, { type: 'bearer' }).expect(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('a NUL byte in a JSON body', async () => {
      const res = await t
        .http()
        .post('/incidents')
        .auth(tokens.comms, { type: 'bearer' })
        .send({ title: 'Outage\u0000', impact: 'major', detectedAt: new Date().toISOString() })
        .expect(400);
      expect(res.body.details).toEqual([{ field: 'title', messages: ['must not contain NUL characters'] }]);
    });
  });

  it('F18: with the default TRUST_PROXY (loopback) the forwarded address is the one audited', async () => {
    await t
      .http()
      .post('/auth/login')
      .set('X-Forwarded-For', '198.51.100.23')
      .send({ email: 'x@candor.test', password: 'wrong-password' })
      .expect(401);
    const [row] = await t.db.query(
      `SELECT ip FROM audit_events WHERE action = 'auth.login_failed' ORDER BY at DESC LIMIT 1`,
    );
    expect(row.ip).toBe('198.51.100.23');
  });
});

/** GET on a port of this machine, without supertest (which always opens its own port). */
function getLocal(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('hardening: production defaults (F17, F18)', () => {
  let t: TestApp;
  let opsPort: number;

  beforeAll(async () => {
    opsPort = await freePort();
    t = await startTestApp({ NODE_ENV: 'production', OPS_PORT: String(opsPort), TRUST_PROXY: 'false' });
  });
  afterAll(() => t?.close());

  it('F17: /metrics and /docs answer 404 on the public port and 200 on the internal one', async () => {
    await t.http().get('/metrics').expect(404);
    await t.http().get('/docs/').expect(404);
    await t.http().get('/docs/openapi.json').expect(404);
    await t.http().get('/status.json').expect(200);
    expect(await getLocal(opsPort, '/metrics')).toBe(200);
    expect(await getLocal(opsPort, '/docs/openapi.json')).toBe(200);
  });

  it('F18: TRUST_PROXY=false ignores X-Forwarded-For', async () => {
    await t
      .http()
      .post('/auth/login')
      .set('X-Forwarded-For', '198.51.100.23')
      .send({ email: 'x@candor.test', password: 'wrong-password' })
      .expect(401);
    const [row] = await t.db.query(
      `SELECT ip FROM audit_events WHERE action = 'auth.login_failed' ORDER BY at DESC LIMIT 1`,
    );
    expect(row.ip).not.toBe('198.51.100.23');
    expect(row.ip).toMatch(/127\.0\.0\.1/);
  });
});

describe('hardening: OPS_ACCESS=token (F17)', () => {
  let t: TestApp;
  const token = 'ops-token-0123456789abcdefghij';
  beforeAll(async () => {
    t = await startTestApp({ OPS_ACCESS: 'token', OPS_TOKEN: token });
  });
  afterAll(() => t?.close());

  it('serves /metrics and /docs only with the bearer OPS_TOKEN', async () => {
    await t.http().get('/metrics').expect(404);
    await t.http().get('/metrics').auth('wrong-token-0123456789abcdefghi', { type: 'bearer' }).expect(404);
    await t.http().get('/metrics').auth(token, { type: 'bearer' }).expect(200);
    await t.http().get('/docs/openapi.json').auth(token, { type: 'bearer' }).expect(200);
  });
});
