import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openApiDocument } from '../src/bootstrap';
import { OPENAPI_FILE } from '../src/cli/openapi.command';
import { Clock } from '../src/platform/clock/clock';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { count, PASSWORD, staffTokens } from './helpers/staff';

const ROOT = join(__dirname, '..');

/** Signs in the console's way; returns the cookie header to send back and the CSRF token. */
async function consoleSession(t: TestApp, email: string) {
  const res = await t.http().post('/auth/session').send({ email, password: PASSWORD }).expect(200);
  const setCookie = res.headers['set-cookie'] as unknown as string[];
  const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
  return { res, setCookie, cookie, csrf: res.body.csrfToken as string };
}

describe('staff console API: typed client, cookie session, inbox, support', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let ids: Record<string, string>;
  let emails: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens, ids } = await staffTokens(t));
    const rows: Array<{ id: string; email: string }> = await t.db.query('SELECT id, email FROM staff_users');
    emails = Object.fromEntries(
      Object.entries(ids).map(([role, id]) => [role, rows.find((r) => r.id === id)!.email]),
    );
  });
  afterAll(() => t?.close());
  afterEach(() => t.get<Clock>(Clock).reset());

  describe('the generated client', () => {
    it('was generated from the current API: the committed OpenAPI document and types match the server', () => {
      // the document the built server writes (`npm run openapi` runs the same command), against the committed one
      const dir = mkdtempSync(join(tmpdir(), 'candor-openapi-'));
      execFileSync(
        'node',
        [join(ROOT, 'dist/src/cli/main.js'), 'openapi', '--out', join(dir, 'openapi.json')],
        {
          env: { ...process.env, ...t.env, LOG_FILE: '', LOG_TARGET: 'stderr', LOG_LEVEL: 'error' },
          stdio: 'pipe',
        },
      );
      const current = readFileSync(join(dir, 'openapi.json'), 'utf8');
      // on failure: run `npm run openapi` and commit console/src/api/
      expect(current).toBe(readFileSync(join(ROOT, OPENAPI_FILE), 'utf8'));
      execFileSync(
        join(ROOT, 'node_modules/.bin/openapi-typescript'),
        [join(dir, 'openapi.json'), '-o', join(dir, 'schema.d.ts')],
        {
          stdio: 'pipe',
        },
      );
      expect(readFileSync(join(dir, 'schema.d.ts'), 'utf8')).toBe(
        readFileSync(join(ROOT, 'console/src/api/schema.d.ts'), 'utf8'),
      );
    });

    it('documents POST /incidents with an example body that passes validation', async () => {
      const doc = openApiDocument(t.app) as any;
      const op = doc.paths['/incidents'].post;
      expect(op.summary).toBeTruthy();
      const ref = op.requestBody.content['application/json'].schema.$ref.split('/').pop();
      const schema = doc.components.schemas[ref];
      const props = schema.properties as Record<string, any>;
      // Ids of other records (the comms lead and deputy) can have no example valid on every installation:
      // they are optional, and left out of the body below.
      const references = Object.keys(props).filter((k) => props[k].format === 'uuid');
      expect(references.sort()).toEqual(['commsDeputyId', 'commsLeadId']);
      expect(references.filter((k) => (schema.required ?? []).includes(k))).toEqual([]);
      // the body Swagger's "Try it out" builds: every other property's example
      const body = Object.fromEntries(
        Object.entries(props)
          .filter(([k]) => !references.includes(k))
          .map(([k, p]) => [k, p.example]),
      );
      expect(Object.values(body).every((v) => v !== undefined)).toBe(true);
      const res = await t.http().post('/incidents').auth(tokens.supervisor, { type: 'bearer' }).send(body);
      expect({ status: res.status, details: res.body.details }).toEqual({ status: 201, details: undefined });
    });
  });

  describe('the console session', () => {
    it('sets an HttpOnly, SameSite=Strict cookie (not Secure on http) and never puts the token in the page', async () => {
      const { res, setCookie } = await consoleSession(t, emails.comms);
      const session = setCookie.find((c) => c.startsWith('candor_session='))!;
      const csrf = setCookie.find((c) => c.startsWith('candor_csrf='))!;
      expect(session).toMatch(/HttpOnly/i);
      expect(session).toMatch(/SameSite=Strict/i);
      expect(session).not.toMatch(/Secure/i);
      expect(csrf).not.toMatch(/HttpOnly/i);
      expect(res.body).not.toHaveProperty('token');
      expect(JSON.stringify(res.body)).not.toContain(session.split(';')[0].split('=')[1]);
    });

    it('reads with the cookie alone, and refuses a write without the CSRF header (a cross-site form)', async () => {
      const { cookie, csrf } = await consoleSession(t, emails.comms);
      const me = await t.http().get('/auth/me').set('cookie', cookie).expect(200);
      expect(me.body).toMatchObject({ role: 'comms', via: 'session', user: { email: emails.comms } });
      const body = { title: 'Cookie test', impact: 'minor', detectedAt: new Date().toISOString() };
      const refused = await t.http().post('/incidents').set('cookie', cookie).send(body).expect(403);
      expect(refused.body.message).toMatch(/security token/);
      await t
        .http()
        .post('/incidents')
        .set('cookie', cookie)
        .set('x-csrf-token', 'forged')
        .send(body)
        .expect(403);
      expect(await count(t.db, `SELECT count(*) AS n FROM incidents WHERE title = 'Cookie test'`)).toBe(0);
      await t
        .http()
        .post('/incidents')
        .set('cookie', cookie)
        .set('x-csrf-token', csrf)
        .send(body)
        .expect(201);
    });

    it('ends a console session after the idle time; bearer tokens keep working', async () => {
      const { cookie } = await consoleSession(t, emails.support);
      await t.http().get('/auth/me').set('cookie', cookie).expect(200);
      t.get<Clock>(Clock).travelTo(new Date(Date.now() + 31 * 60_000));
      const ended = await t.http().get('/auth/me').set('cookie', cookie).expect(401);
      expect(ended.body.message).toMatch(/sign in again/);
      await t.http().get('/auth/me').auth(tokens.support, { type: 'bearer' }).expect(200);
    });

    it('keeps an active session alive past the idle time', async () => {
      const { cookie } = await consoleSession(t, emails.support);
      const clock = t.get<Clock>(Clock);
      for (const minutes of [20, 40, 60]) {
        clock.travelTo(new Date(Date.now() + minutes * 60_000));
        await t.http().get('/auth/me').set('cookie', cookie).expect(200);
        // the last-used time is written after the answer
        await new Promise((r) => setTimeout(r, 300));
      }
    });

    it('signs out everywhere: every session of that user ends, audited', async () => {
      const a = await consoleSession(t, emails.supervisor);
      const b = await consoleSession(t, emails.supervisor);
      await t
        .http()
        .post('/auth/logout')
        .set('cookie', a.cookie)
        .set('x-csrf-token', a.csrf)
        .send({ everywhere: true })
        .expect(204);
      await t.http().get('/auth/me').set('cookie', b.cookie).expect(401);
      await t.http().get('/auth/me').auth(tokens.supervisor, { type: 'bearer' }).expect(401);
      ({ tokens } = await staffTokens(t, ['supervisor']).then((r) => ({
        tokens: { ...tokens, ...r.tokens },
      })));
      const audit = await count(
        t.db,
        `SELECT count(*) AS n FROM audit_events WHERE action = 'auth.logout_everywhere'`,
      );
      expect(audit).toBe(1);
    });
  });

  describe('staff phones (reminder SMS)', () => {
    it('takes a phone in any format by API, stores E.164, audits it masked; a bad one is a 400 on the field', async () => {
      const res = await t
        .http()
        .patch(`/users/${ids.comms}`)
        .auth(tokens.admin, { type: 'bearer' })
        .send({ phone: '07911 123456' })
        .expect(200);
      expect(res.body.phone).toBe('+447911123456');
      const [audit] = await t.db.query(
        `SELECT summary FROM audit_events WHERE action = 'user.update' AND target_id = $1 ORDER BY id DESC LIMIT 1`,
        [ids.comms],
      );
      expect(JSON.stringify(audit.summary)).not.toContain('7911123456');
      const bad = await t
        .http()
        .patch(`/users/${ids.comms}`)
        .auth(tokens.admin, { type: 'bearer' })
        .send({ phone: 'not a phone' })
        .expect(400);
      expect(bad.body.details).toEqual([{ field: 'phone', messages: [expect.stringMatching(/mobile/)] }]);
      await t
        .http()
        .patch(`/users/${ids.comms}`)
        .auth(tokens.admin, { type: 'bearer' })
        .send({ phone: null })
        .expect(200);
    });

    it('deactivating a user ends their sessions', async () => {
      const { ids: theirs } = await staffTokens(t, ['comms']);
      await t
        .http()
        .patch(`/users/${theirs.comms}`)
        .auth(tokens.admin, { type: 'bearer' })
        .send({ active: false })
        .expect(200);
      expect(
        await count(
          t.db,
          `SELECT count(*) AS n FROM staff_tokens WHERE user_id = $1 AND revoked_at IS NULL`,
          [theirs.comms],
        ),
      ).toBe(0);
    });
  });

  describe('approvals inbox', () => {
    let incidentId: string;
    let updateId: string;

    beforeAll(async () => {
      const inc = await t
        .http()
        .post('/incidents')
        .auth(tokens.comms, { type: 'bearer' })
        .send({ title: 'Inbox incident', impact: 'major', detectedAt: new Date().toISOString() })
        .expect(201);
      incidentId = inc.body.id;
      const d = await t
        .http()
        .post(`/incidents/${incidentId}/updates`)
        .auth(tokens.comms, { type: 'bearer' })
        .send({ template: 'investigating' })
        .expect(201);
      updateId = d.body.id;
    });

    it("shows a draft to the incident's approvers with the console link, not to its author", async () => {
      const sup = await t.http().get('/approvals').auth(tokens.supervisor, { type: 'bearer' }).expect(200);
      const item = sup.body.find((i: any) => i.id === updateId);
      expect(item).toMatchObject({
        kind: 'update',
        title: 'Update to “Inbox incident”',
        link: `/console/incidents/${incidentId}`,
      });
      const mine = await t.http().get('/approvals').auth(tokens.comms, { type: 'bearer' }).expect(200);
      expect(mine.body.map((i: any) => i.id)).not.toContain(updateId);
      const n = await t
        .http()
        .get('/approvals/count')
        .auth(tokens.supervisor, { type: 'bearer' })
        .expect(200);
      expect(n.body.count).toBe(sup.body.length);
    });

    it('streams the count by server-sent events and says when it changes', async () => {
      const server = t.app.getHttpServer();
      if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      const events: string[] = [];
      const req = httpRequest({
        port,
        host: '127.0.0.1',
        path: '/approvals/events',
        headers: { accept: 'text/event-stream', authorization: `Bearer ${tokens.supervisor}` },
      });
      const got = (re: RegExp) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${re} in ${events.join('')}`)), 15_000);
          const check = () => {
            if (re.test(events.join(''))) {
              clearTimeout(timer);
              resolve();
            } else setTimeout(check, 50);
          };
          check();
        });
      req.on('response', (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        res.on('data', (c) => events.push(String(c)));
      });
      req.end();
      await got(/event: inbox\ndata: \{"count":\d+\}/);
      const before = events.join('');
      await t
        .http()
        .post(`/incidents/${incidentId}/updates/${updateId}/approve`)
        .auth(tokens.supervisor, { type: 'bearer' })
        .expect(200);
      await got(/event: changed/);
      expect(events.join('').length).toBeGreaterThan(before.length);
      req.destroy();
    });
  });

  describe('support', () => {
    let subscriberId: string;

    beforeAll(async () => {
      const s = await t.get<SubscribersService>(SubscribersService).upsert({
        accountId: 'ACC-778899',
        msisdn: '07911 123456',
        email: 'sam.jones@example.com',
        firstName: 'Samantha',
      });
      subscriberId = s.id;
    });

    it.each([
      ['07911 123456', 'number'],
      ['+44 7911 123456', 'number'],
      ['447911123456', 'number'],
      ['acc-778899', 'account'],
      ['Sam.Jones@example.com', 'email'],
      ['sama', 'name'],
    ])('finds the customer by %s (%s), masked, and audits the read', async (q, by) => {
      const before = await count(
        t.db,
        `SELECT count(*) AS n FROM audit_events WHERE action = 'support.customer_search'`,
      );
      const res = await t
        .http()
        .get('/support/customers')
        .query({ q })
        .auth(tokens.support, { type: 'bearer' })
        .expect(200);
      expect(res.body.matchedBy).toBe(by);
      expect(res.body.customers).toEqual([
        expect.objectContaining({
          id: subscriberId,
          accountId: 'ACC-778899',
          msisdn: expect.stringMatching(/\*/),
        }),
      ]);
      expect(JSON.stringify(res.body)).not.toContain('7911123456');
      expect(JSON.stringify(res.body)).not.toContain('sam.jones@');
      const after = await count(
        t.db,
        `SELECT count(*) AS n FROM audit_events WHERE action = 'support.customer_search'`,
      );
      expect(after).toBe(before + 1);
      const [row] = await t.db.query(
        `SELECT summary FROM audit_events WHERE action = 'support.customer_search' ORDER BY id DESC LIMIT 1`,
      );
      expect(JSON.stringify(row.summary)).not.toContain('7911123456');
    });

    it('finds nobody for an unknown number, and refuses a one-letter query', async () => {
      const res = await t
        .http()
        .get('/support/customers?q=07911%20123457')
        .auth(tokens.support, { type: 'bearer' })
        .expect(200);
      expect(res.body).toEqual({ matchedBy: 'number', customers: [] });
      const bad = await t
        .http()
        .get('/support/customers?q=a')
        .auth(tokens.support, { type: 'bearer' })
        .expect(400);
      expect(bad.body.details[0].field).toBe('q');
    });

    it('credits £5.00 once for two requests with one key, shows it on the customer page, GET /compensation/credits/:id', async () => {
      const key = 'console-test-key-1';
      const send = () =>
        t
          .http()
          .post('/compensation/credits')
          .auth(tokens.support, { type: 'bearer' })
          .set('Idempotency-Key', key)
          .send({ subscriberId, amountPence: 500, reasonCode: 'goodwill', note: 'Sorry for the trouble' });
      const [a, b] = await Promise.all([send(), send()]);
      expect([a.status, b.status].sort()).toEqual(expect.arrayContaining([201]));
      const again = await send();
      expect(again.status).toBe(201);
      expect(
        await count(t.db, `SELECT count(*) AS n FROM credits WHERE subscriber_id = $1`, [subscriberId]),
      ).toBe(1);
      const creditId = again.body.id ?? again.body.credit?.id;
      const page = await t
        .http()
        .get(`/support/customers/${subscriberId}`)
        .auth(tokens.support, { type: 'bearer' })
        .expect(200);
      expect(page.body).toMatchObject({
        accountId: 'ACC-778899',
        balancePence: 500,
        credits: [{ amountPence: 500 }],
      });
      expect(page.body.msisdn).toMatch(/\*/);
      const one = await t
        .http()
        .get(`/compensation/credits/${creditId ?? page.body.credits[0].id}`)
        .auth(tokens.support, { type: 'bearer' })
        .expect(200);
      expect(one.body).toMatchObject({ amountPence: 500, status: 'issued' });
      await t
        .http()
        .get('/compensation/credits/00000000-0000-4000-8000-000000000000')
        .auth(tokens.support, { type: 'bearer' })
        .expect(404);
      expect(
        await count(t.db, `SELECT count(*) AS n FROM audit_events WHERE action = 'support.customer_view'`),
      ).toBeGreaterThan(0);
    });
  });

  describe('the console itself', () => {
    it('loads under 300 KB of JavaScript (gzipped) on first load: the shell plus one screen', () => {
      const dist = join(ROOT, 'dist/console');
      const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
      const entry = Object.keys(manifest).find((k) => manifest[k].isEntry)!;
      const closure = (k: string, seen: Set<string>) => {
        if (seen.has(k)) return;
        seen.add(k);
        for (const i of manifest[k].imports ?? []) closure(i, seen);
      };
      for (const screen of ['src/pages/Login.tsx', 'src/pages/Now.tsx', 'src/pages/IncidentWorkspace.tsx']) {
        const files = new Set<string>();
        closure(entry, files);
        closure(screen, files);
        const bytes = [...files].reduce(
          (n, k) => n + gzipSync(readFileSync(join(dist, manifest[k].file)), { level: 9 }).length,
          0,
        );
        expect({ screen, under300k: bytes < 300 * 1024 }).toEqual({ screen, under300k: true });
        // the screens are split: the shell does not carry every page
        expect(files.size).toBeLessThan(Object.keys(manifest).length);
      }
    });

    it('is served at /console with a fallback to its page for deep links, hashed assets cached for a year', async () => {
      const index = await t.http().get('/console/').expect(200);
      expect(index.headers['cache-control']).toBe('no-cache');
      expect(index.text).toContain('<div id="root">');
      const deep = await t.http().get('/console/incidents/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f').expect(200);
      expect(deep.text).toBe(index.text);
      const asset = /\/console\/assets\/[^"]+\.js/.exec(index.text)![0];
      const js = await t.http().get(asset).expect(200);
      expect(js.headers['cache-control']).toMatch(/max-age=31536000, immutable/);
      await t.http().get('/console/assets/missing-0000.js').expect(404);
      const login = await t.http().get('/login').expect(302);
      expect(login.headers.location).toBe('/console/login');
    });
  });
});
