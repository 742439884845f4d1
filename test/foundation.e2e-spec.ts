import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { AuditService } from '../src/audit/audit.service';
import { startTestApp, TestApp } from './helpers/app';
import { count, PASSWORD, staffTokens } from './helpers/staff';

describe('foundation: staff auth, audit, operations', () => {
  let t: TestApp;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens } = await staffTokens(t));
  });
  afterAll(() => t?.close());

  it('reports health of database and redis', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body.info).toEqual({ database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('rejects bad credentials with 401 and audits the failure', async () => {
    const res = await t
      .http()
      .post('/auth/login')
      .send({ email: 'admin-x@candor.test', password: 'nope' })
      .expect(401);
    expect(res.body).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid email or password',
    });
    expect(await count(t.db, `SELECT count(*) n FROM audit_events WHERE action = 'auth.login_failed'`)).toBe(
      1,
    );
  });

  it('locks an account out after too many failures, even with the right password', async () => {
    const email = 'lockme@candor.test';
    await t
      .http()
      .post('/users')
      .auth(tokens.admin, { type: 'bearer' })
      .send({ email, displayName: 'Lock Me', role: 'comms', password: PASSWORD })
      .expect(201);
    for (let i = 0; i < 10; i++)
      await t.http().post('/auth/login').send({ email, password: 'wrong' }).expect(401);
    const res = await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(429);
    expect(res.body.message).toMatch(/Too many failed logins/);
  });

  it('gives 400 with field messages for an invalid body and refuses unknown fields', async () => {
    const res = await t
      .http()
      .post('/users')
      .auth(tokens.admin, { type: 'bearer' })
      .send({ email: 'not-an-email', displayName: '', role: 'king', password: 'short', extra: 1 })
      .expect(400);
    const fields = res.body.details.map((d: any) => d.field).sort();
    expect(fields).toEqual(['displayName', 'email', 'extra', 'password', 'role']);
    expect(res.body.requestId).toEqual(expect.any(String));
  });

  it('gives 400 for malformed JSON in the same error shape', async () => {
    const res = await t
      .http()
      .post('/auth/login')
      .set('content-type', 'application/json')
      .send('{"email":')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('issues API keys that authenticate, and revoked keys stop working', async () => {
    // keys are for oneself or a named service account (issue 18, F3)
    const bot = await t
      .http()
      .post('/users')
      .auth(tokens.admin, { type: 'bearer' })
      .send({ email: 'comms-bot@candor.test', displayName: 'Comms bot', role: 'comms', serviceAccount: true })
      .expect(201);
    const created = await t
      .http()
      .post('/auth/api-keys')
      .auth(tokens.admin, { type: 'bearer' })
      .send({ userId: bot.body.id, name: 'automation' })
      .expect(201);
    const key = created.body.token;
    expect(key).toMatch(/^cnd_k_/);
    const me = await t.http().get('/auth/me').auth(key, { type: 'bearer' }).expect(200);
    expect(me.body).toMatchObject({ type: 'staff', role: 'comms', via: 'api_key' });
    await t
      .http()
      .delete(`/auth/api-keys/${created.body.tokenId}`)
      .auth(tokens.admin, { type: 'bearer' })
      .expect(204);
    await t.http().get('/auth/me').auth(key, { type: 'bearer' }).expect(401);
  });

  it('logs out: the session token stops working', async () => {
    const { tokens: mine } = await staffTokens(t, ['support']);
    await t.http().post('/auth/logout').auth(mine.support, { type: 'bearer' }).expect(204);
    await t.http().get('/auth/me').auth(mine.support, { type: 'bearer' }).expect(401);
  });

  it('deactivated users lose access at once', async () => {
    const { tokens: mine, ids: theirs } = await staffTokens(t, ['comms']);
    await t
      .http()
      .patch(`/users/${theirs.comms}`)
      .auth(tokens.admin, { type: 'bearer' })
      .send({ active: false })
      .expect(200);
    await t.http().get('/auth/me').auth(mine.comms, { type: 'bearer' }).expect(401);
  });

  it('audits staff actions in the same transaction and serves them to supervisors with filters and paging', async () => {
    const page1 = await t
      .http()
      .get('/audit?action=user.*&limit=2')
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items[0].action).toMatch(/^user\./);
    expect(page1.body.nextBefore).toEqual(expect.any(String));
    const page2 = await t
      .http()
      .get(`/audit?action=user.*&limit=2&before=${page1.body.nextBefore}`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(200);
    expect(Number(page2.body.items[0].id)).toBeLessThan(Number(page1.body.nextBefore) + 1);
    await t.http().get('/audit').auth(tokens.comms, { type: 'bearer' }).expect(403);
    await t.http().get('/audit?limit=9999').auth(tokens.admin, { type: 'bearer' }).expect(400);
  });

  it('names the staff person behind an audit row (one join), and no one for system or customer rows', async () => {
    const { tokens: mine, ids } = await staffTokens(t, ['admin']);
    const other = await staffTokens(t, ['comms']);
    await t
      .http()
      .patch(`/users/${other.ids.comms}`)
      .auth(mine.admin, { type: 'bearer' })
      .send({ role: 'support' })
      .expect(200);
    // a customer row whose actor id happens to be a staff id must still not be named
    await t.db.query(
      `INSERT INTO audit_events (actor_type, actor_id, action) VALUES ('customer', $1, 'test.customer')`,
      [ids.admin],
    );
    const res = await t
      .http()
      .get(`/audit?actorId=${ids.admin}&limit=10`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(200);
    const update = res.body.items.find((e: { action: string }) => e.action === 'user.update');
    expect(update).toMatchObject({ actorType: 'staff', actorRole: 'admin', actorName: 'admin user' });
    const customer = res.body.items.find((e: { action: string }) => e.action === 'test.customer');
    expect(customer).toMatchObject({ actorType: 'customer', actorName: null });
    const created = await t
      .http()
      .get(`/audit?action=user.create&targetId=${ids.admin}`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(200);
    expect(created.body.items).toEqual([expect.objectContaining({ actorType: 'system', actorName: null })]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit rows at the database', async () => {
    await expect(t.db.query(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
  });

  it('rolls the audit row back with a failed change (same transaction)', async () => {
    const before = await count(t.db, `SELECT count(*) n FROM audit_events`);
    const audit = t.get<AuditService>(AuditService);
    await expect(
      t.db.transaction(async (m) => {
        await audit.record(m, { type: 'system' }, { action: 'test.rollback' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect(await count(t.db, `SELECT count(*) n FROM audit_events`)).toBe(before);
  });

  it('serves prometheus metrics and OpenAPI docs', async () => {
    const m = await t.http().get('/metrics').expect(200);
    expect(m.text).toContain('candor_http_request_duration_seconds_bucket');
    expect(m.text).toMatch(/route="\/auth\/login"/);
    const doc = await t.http().get('/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/auth/login', '/audit', '/health']));
  });

  it('masks phone numbers and emails in every log line, whoever logs them', async () => {
    new Logger('AnyModule').warn('could not reach +447911123456 or alice@example.com');
    await t.http().get('/auth/me?msisdn=07911654321').expect(401);
    await t.http().get('/nowhere?to=%2B447911222333').expect(404);
    const log = readFileSync(t.logFile, 'utf8');
    expect(log).toContain('could not reach +44 7*** ***456 or a***@e***.com');
    // query values are not logged at all, only their names (issue 18, F16)
    expect(log).toContain('/nowhere?to=[redacted]');
    expect(log).toContain('msisdn=[redacted]');
    expect(log).not.toMatch(/447911123456|07911654321|447911222333|alice@example/);
  });
});
