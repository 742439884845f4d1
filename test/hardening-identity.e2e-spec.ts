import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { totpCode } from '../src/identity/credentials';
import { UsersService } from '../src/identity/users.service';
import { Clock } from '../src/platform/clock/clock';
import { startTestApp, TestApp } from './helpers/app';
import { customerWithToken } from './helpers/customer';
import { count, PASSWORD, staffTokens } from './helpers/staff';

/** Issue 18: each test replays an attack from the probe (finding number in the title). */
describe('hardening: staff identity (F3, F6, F7, F14, F19, F21)', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let sub: string;
  let ipSeq = 0;
  /** Each caller its own address (trust proxy = loopback, so X-Forwarded-For is believed). */
  const newIp = () => `203.0.113.${++ipSeq}`;
  const login = (body: Record<string, unknown>, ip = newIp()) =>
    t.http().post('/auth/login').set('X-Forwarded-For', ip).send(body);
  const newUser = async (role: 'comms' | 'support' | 'supervisor' | 'admin', extra: object = {}) => {
    const email = `${role}-${randomUUID().slice(0, 8)}@candor.test`;
    const u = await t
      .get<UsersService>(UsersService)
      .create({ email, displayName: `${role} person`, role, password: PASSWORD, ...extra }, SYSTEM_ACTOR);
    return { id: u.id, email };
  };

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_FAILURES_PER_IP: '15' });
    ({ tokens } = await staffTokens(t));
    sub = (await customerWithToken(t, 'HI-1', '07911 200001')).subscriber.id;
  });
  afterAll(() => t?.close());

  const pendingCredit = async () => {
    const res = await t
      .http()
      .post('/compensation/credits')
      .auth(tokens.supervisor, { type: 'bearer' })
      .set('Idempotency-Key', randomUUID())
      .send({ subscriberId: sub, amountPence: 50_000, reasonCode: 'service_outage', note: 'big' })
      .expect(202);
    return res.body.id as string;
  };

  describe('F3: API keys', () => {
    it('refuses an admin a key for another person (the probe approved its own £50,000 credit with one)', async () => {
      const other = await newUser('admin');
      const res = await t
        .http()
        .post('/auth/api-keys')
        .auth(tokens.admin, { type: 'bearer' })
        .send({ userId: other.id, name: 'borrowed', scopes: ['write'] })
        .expect(403);
      expect(res.body.message).toMatch(/only for yourself or a named service account/);
    });

    it('a key of your own cannot approve money, cannot create keys, and is read-only unless given write', async () => {
      const credit = await pendingCredit();
      const rw = await t
        .http()
        .post('/auth/api-keys')
        .auth(tokens.admin, { type: 'bearer' })
        .send({ name: 'automation', scopes: ['read', 'write'], expiresInDays: 30 })
        .expect(201);
      expect(rw.body.scopes).toEqual(['read', 'write']);
      const expires = new Date(rw.body.expiresAt).getTime() - Date.now();
      expect(expires).toBeGreaterThan(29 * 86_400_000);
      expect(expires).toBeLessThan(31 * 86_400_000);
      const approve = await t
        .http()
        .post(`/compensation/credits/${credit}/approve`)
        .auth(rw.body.token, { type: 'bearer' })
        .expect(403);
      expect(approve.body.code).toBe('interactive_session_required');
      await t
        .http()
        .post('/auth/api-keys')
        .auth(rw.body.token, { type: 'bearer' })
        .send({ name: 'child' })
        .expect(403);

      const ro = await t
        .http()
        .post('/auth/api-keys')
        .auth(tokens.admin, { type: 'bearer' })
        .send({ name: 'reader' })
        .expect(201);
      expect(ro.body.scopes).toEqual(['read']);
      await t.http().get('/compensation/credits').auth(ro.body.token, { type: 'bearer' }).expect(200);
      const write = await t
        .http()
        .post('/compensation/credits')
        .auth(ro.body.token, { type: 'bearer' })
        .set('Idempotency-Key', randomUUID())
        .send({ subscriberId: sub, amountPence: 100, reasonCode: 'service_outage', note: 'outage' })
        .expect(403);
      expect(write.body.code).toBe('api_key_scope');
      // the person's own session still approves
      await t
        .http()
        .post(`/compensation/credits/${credit}/approve`)
        .auth(tokens.admin, { type: 'bearer' })
        .expect(200);
    });

    it('a named service account gets keys, never signs in and never approves', async () => {
      const res = await t
        .http()
        .post('/users')
        .auth(tokens.admin, { type: 'bearer' })
        .send({
          email: 'billing-bot@candor.test',
          displayName: 'Billing bot',
          role: 'admin',
          serviceAccount: true,
        })
        .expect(201);
      const key = await t
        .http()
        .post('/auth/api-keys')
        .auth(tokens.admin, { type: 'bearer' })
        .send({ userId: res.body.id, name: 'billing', scopes: ['read', 'write'] })
        .expect(201);
      const credit = await pendingCredit();
      await t
        .http()
        .post(`/compensation/credits/${credit}/approve`)
        .auth(key.body.token, { type: 'bearer' })
        .expect(403);
      await login({ email: 'billing-bot@candor.test', password: 'anything-at-all' }).expect(401);
      await t
        .http()
        .post('/users')
        .auth(tokens.admin, { type: 'bearer' })
        .send({
          email: 'bot2@candor.test',
          displayName: 'Bot',
          role: 'comms',
          serviceAccount: true,
          password: PASSWORD,
        })
        .expect(400);
    });

    it('keys expire: no key beyond API_KEY_MAX_DAYS, and an expired key is refused', async () => {
      await t
        .http()
        .post('/auth/api-keys')
        .auth(tokens.admin, { type: 'bearer' })
        .send({ name: 'forever', expiresInDays: 366 })
        .expect(403);
      const key = await t
        .http()
        .post('/auth/api-keys')
        .auth(tokens.admin, { type: 'bearer' })
        .send({ name: 'short' })
        .expect(201);
      await t.http().get('/auth/me').auth(key.body.token, { type: 'bearer' }).expect(200);
      await t.db.query(`UPDATE staff_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        key.body.tokenId,
      ]);
      await t.http().get('/auth/me').auth(key.body.token, { type: 'bearer' }).expect(401);
    });
  });

  describe('F6: login counting and one email form', () => {
    it('counts 40 parallel wrong passwords before checking them: exactly 10 are checked', async () => {
      const u = await newUser('comms');
      const ip = newIp();
      const before = await count(
        t.db,
        `SELECT count(*) n FROM audit_events WHERE action = 'auth.login_failed'`,
      );
      const statuses = await Promise.all(
        Array.from({ length: 40 }, () => login({ email: u.email, password: 'wrong-password-guess' }, ip)),
      ).then((rs) => rs.map((r) => r.status));
      expect(statuses.filter((s) => s === 401)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(30);
      const after = await count(
        t.db,
        `SELECT count(*) n FROM audit_events WHERE action = 'auth.login_failed'`,
      );
      expect(after - before).toBe(10);
    });

    it('a Turkish dotted İ neither signs in as the ASCII user nor gets a fresh counter', async () => {
      const u = await newUser('admin');
      const dotted = u.email.replace('admin', 'admİn');
      const ip = newIp();
      await login({ email: dotted, password: PASSWORD }, ip).expect(401);
      await login({ email: u.email.toUpperCase(), password: PASSWORD }, ip).expect(200);
      for (let i = 0; i < 10; i++)
        await login({ email: u.email, password: 'wrong-password' }, ip).expect(401);
      await login({ email: u.email.toUpperCase(), password: PASSWORD }, ip).expect(429);
    });

    it('refuses to create a staff user with a non-ASCII email', async () => {
      const res = await t
        .http()
        .post('/users')
        .auth(tokens.admin, { type: 'bearer' })
        .send({ email: 'admİn@candor.test', displayName: 'X', role: 'comms', password: PASSWORD })
        .expect(400);
      expect(res.body.details).toEqual([
        { field: 'email', messages: ['email must use ASCII characters only'] },
      ]);
    });
  });

  it('F7: unknown emails cost the same password hash as real staff (no timing oracle)', async () => {
    const u = await newUser('support');
    const time = async (email: string) => {
      const started = process.hrtime.bigint();
      await login({ email, password: 'wrong-password-guess' }).expect(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const real: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      real.push(await time(u.email));
      unknown.push(await time(`nobody-${i}@candor.test`));
    }
    // scrypt dominates both; without the dummy hash the unknown answers took ~1/10 of the time
    expect(median(unknown) / median(real)).toBeGreaterThan(0.6);
  });

  describe('F14: a stranger cannot lock the owner out; per-address limit', () => {
    it('ten failures from one address do not stop the owner signing in from another', async () => {
      const u = await newUser('support');
      const attacker = newIp();
      for (let i = 0; i < 10; i++)
        await login({ email: u.email, password: 'guess-guess-guess' }, attacker).expect(401);
      await login({ email: u.email, password: PASSWORD }, attacker).expect(429);
      await login({ email: u.email, password: PASSWORD }, newIp()).expect(200);
    });

    it('one address spraying many accounts is stopped at LOGIN_MAX_FAILURES_PER_IP', async () => {
      const sprayer = newIp();
      const statuses: number[] = [];
      for (let i = 0; i < 17; i++)
        statuses.push(
          (await login({ email: `spray-${i}@candor.test`, password: 'Summer2026!!' }, sprayer)).status,
        );
      expect(statuses.slice(0, 15).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(15)).toEqual([429, 429]);
    });
  });

  describe('F19: passwords', () => {
    it.each(['aaaaaaaaaaaa', 'Password1234', 'qwertyuiop123'])(
      'refuses the weak password %s with a field message',
      async (pw) => {
        const res = await t
          .http()
          .post('/users')
          .auth(tokens.admin, { type: 'bearer' })
          .send({
            email: `weak-${randomUUID().slice(0, 6)}@candor.test`,
            displayName: 'W',
            role: 'comms',
            password: pw,
          })
          .expect(400);
        expect(res.body.details[0]).toMatchObject({ field: 'password' });
        expect(res.body.details[0].messages[0]).toMatch(/too easy to guess/);
      },
    );
  });

  describe('F21: deactivation and role changes end old sessions and keys', () => {
    it('a reactivated user’s old session and key stay dead', async () => {
      const u = await newUser('admin');
      const session = (await login({ email: u.email, password: PASSWORD }).expect(200)).body.token;
      const key = (
        await t.http().post('/auth/api-keys').auth(session, { type: 'bearer' }).send({ name: 'mine' })
      ).body;
      expect(key.token).toBeDefined();
      for (const active of [false, true])
        await t
          .http()
          .patch(`/users/${u.id}`)
          .auth(tokens.admin, { type: 'bearer' })
          .send({ active })
          .expect(200);
      await t.http().get('/auth/me').auth(session, { type: 'bearer' }).expect(401);
      await t.http().get('/auth/me').auth(key.token, { type: 'bearer' }).expect(401);
      await login({ email: u.email, password: PASSWORD }).expect(200);
    });

    it('a demoted admin’s session does not keep the admin role', async () => {
      const u = await newUser('admin');
      const session = (await login({ email: u.email, password: PASSWORD }).expect(200)).body.token;
      await t
        .http()
        .patch(`/users/${u.id}`)
        .auth(tokens.admin, { type: 'bearer' })
        .send({ role: 'comms' })
        .expect(200);
      await t.http().get('/auth/api-keys').auth(session, { type: 'bearer' }).expect(401);
      const audit = await t.db.query(
        `SELECT summary FROM audit_events WHERE action = 'user.update' AND target_id = $1`,
        [u.id],
      );
      expect(audit[0].summary.tokensRevoked).toBe(1);
    });
  });
});

describe('hardening: TOTP for supervisors and admins (F19, STAFF_TOTP_REQUIRED=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ STAFF_TOTP_REQUIRED: 'true' });
  });
  afterAll(() => t?.close());

  it('an unenrolled supervisor can only set up an authenticator; then signs in with its code', async () => {
    const email = 'sup-totp@candor.test';
    await t
      .get<UsersService>(UsersService)
      .create({ email, displayName: 'Sup', role: 'supervisor', password: PASSWORD }, SYSTEM_ACTOR);
    const first = await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    expect(first.body.totpEnrolmentRequired).toBe(true);
    const token = first.body.token;
    const blocked = await t.http().get('/compensation/credits').auth(token, { type: 'bearer' }).expect(403);
    expect(blocked.body.code).toBe('totp_enrolment_required');
    await t.http().get('/auth/me').auth(token, { type: 'bearer' }).expect(200);

    const setup = await t.http().post('/auth/totp/setup').auth(token, { type: 'bearer' }).expect(201);
    const secret: string = setup.body.secret;
    const now = t.get<Clock>(Clock).now();
    await t
      .http()
      .post('/auth/totp/confirm')
      .auth(token, { type: 'bearer' })
      .send({ code: '000000' })
      .expect(401);
    await t
      .http()
      .post('/auth/totp/confirm')
      .auth(token, { type: 'bearer' })
      .send({ code: totpCode(secret, now) })
      .expect(200);
    await t.http().get('/compensation/credits').auth(token, { type: 'bearer' }).expect(200);

    const noCode = await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(401);
    expect(noCode.body.code).toBe('totp_required');
    const wrong = await t
      .http()
      .post('/auth/login')
      .send({ email, password: PASSWORD, totp: '123456' })
      .expect(401);
    expect(wrong.body.code).toBe('totp_invalid');
    // The code that confirmed the set-up has been used: it cannot sign in again within its window.
    const replay = await t
      .http()
      .post('/auth/login')
      .send({ email, password: PASSWORD, totp: totpCode(secret, now) })
      .expect(401);
    expect(replay.body.code).toBe('totp_replayed');
    const later = new Date(now.getTime() + 30_000);
    t.clock.travelTo(later);
    const ok = await t
      .http()
      .post('/auth/login')
      .send({ email, password: PASSWORD, totp: totpCode(secret, later) })
      .expect(200);
    expect(ok.body.totpEnrolmentRequired).toBe(false);
    await t.http().get('/compensation/credits').auth(ok.body.token, { type: 'bearer' }).expect(200);
    const audit = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.totp_replayed'`,
    );
    expect(audit[0].n).toBe(1);
  });

  it('keeps the secret sealed at rest; a code signs in once even from parallel requests', async () => {
    const email = 'adm-totp@candor.test';
    const u = await t
      .get<UsersService>(UsersService)
      .create({ email, displayName: 'Adm', role: 'admin', password: PASSWORD }, SYSTEM_ACTOR);
    const first = await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    const setup = await t
      .http()
      .post('/auth/totp/setup')
      .auth(first.body.token, { type: 'bearer' })
      .expect(201);
    const secret: string = setup.body.secret;
    const [row] = await t.db.query(`SELECT totp_secret FROM staff_users WHERE id = $1`, [u.id]);
    expect(row.totp_secret).toMatch(/^v1\./);
    expect(row.totp_secret).not.toContain(secret);
    const at = new Date(t.clock.now().getTime() + 600_000);
    t.clock.travelTo(at);
    await t
      .http()
      .post('/auth/totp/confirm')
      .auth(first.body.token, { type: 'bearer' })
      .send({ code: totpCode(secret, at) })
      .expect(200);

    const next = new Date(at.getTime() + 60_000);
    t.clock.travelTo(next);
    const code = totpCode(secret, next);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.http().post('/auth/login').send({ email, password: PASSWORD, totp: code }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
    expect(answers.filter((a) => a.status === 401).every((a) => a.body.code === 'totp_replayed')).toBe(true);
  });

  it("seals a secret stored in plain text before sealing, at its owner's next sign-in", async () => {
    const email = 'legacy-totp@candor.test';
    const u = await t
      .get<UsersService>(UsersService)
      .create({ email, displayName: 'Legacy', role: 'supervisor', password: PASSWORD }, SYSTEM_ACTOR);
    const legacy = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await t.db.query(`UPDATE staff_users SET totp_secret = $2, totp_enabled_at = now() WHERE id = $1`, [
      u.id,
      legacy,
    ]);
    const at = new Date(t.clock.now().getTime() + 1_200_000);
    t.clock.travelTo(at);
    await t
      .http()
      .post('/auth/login')
      .send({ email, password: PASSWORD, totp: totpCode(legacy, at) })
      .expect(200);
    const [row] = await t.db.query(`SELECT totp_secret, totp_last_step FROM staff_users WHERE id = $1`, [
      u.id,
    ]);
    expect(row.totp_secret).toMatch(/^v1\./);
    expect(Number(row.totp_last_step)).toBe(Math.floor(at.getTime() / 30_000));
  });

  it('comms and support are not asked for a second factor', async () => {
    const email = 'comms-totp@candor.test';
    await t
      .get<UsersService>(UsersService)
      .create({ email, displayName: 'C', role: 'comms', password: PASSWORD }, SYSTEM_ACTOR);
    const res = await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    expect(res.body.totpEnrolmentRequired).toBe(false);
    await t.http().get('/incidents').auth(res.body.token, { type: 'bearer' }).expect(200);
  });
});
