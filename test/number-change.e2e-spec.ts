import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { CutoverService } from '../src/number-change/cutover.service';
import { plannedAtText } from '../src/number-change/number-change-messages';
import { NUMBER_CHANGE_QUEUE, SWEEP_SCHEDULER_ID } from '../src/number-change/number-change.jobs';
import { NumberChangeSweeper } from '../src/number-change/number-change-sweeper';
import { ProvisioningSandbox } from '../src/sandbox/provisioning-sandbox';
import { SinkMail, SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersImportService } from '../src/subscribers/subscribers-import.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { eventually, signedInCustomer } from './helpers/customer';
import { count, staffTokens } from './helpers/staff';

describe('number change: customers ask, agents complete, nothing is hijacked', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let sandbox: ProvisioningSandbox;
  let sms: TwilioSandbox;
  let mail: SmtpSink;
  let seq = 0;
  // A fresh customer number and IP per request keeps the fraud signals of one test out of the next.
  const nextNumber = () => `+4479581${String(++seq).padStart(5, '0')}`;
  const nextIp = () => `203.0.113.${seq}`;

  beforeAll(async () => {
    // Listening, so the Twilio sandbox's delivery callbacks reach this app.
    t = await startTestApp({ PROVISIONING_RETRY_DELAY_MS: '20', PROVISIONING_MAX_ATTEMPTS: '3' }, undefined, {
      listen: true,
    });
    ({ tokens: staff } = await staffTokens(t));
    sandbox = t.get(ProvisioningSandbox);
    sms = t.get(TwilioSandbox);
    mail = t.get(SmtpSink);
    // 30 pool numbers; those ending in ...0001 to ...0009 share up to 4 digits with the sample customers.
    const csv = ['msisdn', ...Array.from({ length: 30 }, (_, i) => `07922 ${String(100001 + i)}`)].join('\n');
    await t
      .http()
      .post('/number-change/pool/import')
      .auth(staff.admin, { type: 'bearer' })
      .type('text/csv')
      .send(csv)
      .expect(200);
  });
  afterAll(() => t?.close());

  const api = (token: string, ip = '198.51.100.1') => ({
    get: (url: string) => t.http().get(url).auth(token, { type: 'bearer' }).set('x-forwarded-for', ip),
    post: (url: string, body: object = {}) =>
      t.http().post(url).auth(token, { type: 'bearer' }).set('x-forwarded-for', ip).send(body),
  });
  const state = async (id: string) =>
    (await t.db.query(`SELECT state FROM number_change_requests WHERE id = $1`, [id]))[0].state;
  const poolState = async (msisdn: string) =>
    (await t.db.query(`SELECT state FROM number_pool WHERE msisdn = $1`, [msisdn]))[0]?.state;

  /** The SMS bodies `to` received, once there are at least `n`. */
  async function smsTo(to: string, n: number): Promise<string[]> {
    await sms.messages.waitFor((all) => all.filter((m) => m.to === to).length >= n);
    return sms.messages.filter((m) => m.to === to).map((m) => m.body);
  }
  /** The emails `to` received, once there are at least `n`. */
  async function mailTo(to: string, n: number): Promise<SinkMail[]> {
    const mine = (m: SinkMail) => m.envelopeTo.includes(to);
    await mail.messages.waitFor((all) => all.filter(mine).length >= n);
    return mail.messages.filter(mine);
  }
  /** What a request queued in the outbox (committed with its steps): `step:recipient`, sorted. */
  const queued = async (id: string): Promise<string[]> =>
    (await t.db.query(`SELECT dedupe_key FROM messages WHERE dedupe_key LIKE $1`, [`number-change:${id}:%`]))
      .map((r: any) => r.dedupe_key.slice(`number-change:${id}:`.length).replace(/@\d+/, ''))
      .sort();

  /** A customer whose request has reached number_reserved, through the customer routes. */
  async function reservedRequest(opts: { email?: string; locale?: string } = {}) {
    const c = await signedInCustomer(t, {
      accountId: `ACC-${++seq}`,
      msisdn: nextNumber(),
      email: opts.email,
      locale: opts.locale,
    });
    const me = api(c.token, nextIp());
    const created = await me.post('/customer/number-change', { reason: 'number exposed' }).expect(201);
    const offers = await me.post(`/customer/number-change/${created.body.id}/offers`).expect(200);
    const chosen = offers.body.offers[0].msisdn;
    await me.post(`/customer/number-change/${created.body.id}/choose`, { msisdn: chosen }).expect(200);
    return { c, me, id: created.body.id as string, chosen: chosen as string };
  }

  it('runs the whole story: request, offers, choice, approval, schedule, cutover, history', async () => {
    const c = await signedInCustomer(t, {
      accountId: 'ACC-HAPPY',
      msisdn: '+447958100005',
      email: 'alex@example.com',
      firstName: 'Alex',
    });
    const me = api(c.token, '198.51.100.50');
    const created = await me.post('/customer/number-change', { reason: 'my number leaked' }).expect(201);
    expect(created.body).toMatchObject({ state: 'verified', newNumber: null, canCancel: true });
    const id = created.body.id;

    const offers = await me.post(`/customer/number-change/${id}/offers`, { similar: true }).expect(200);
    expect(offers.body.offers).toHaveLength(3);
    // "similar": the best match shares the last six digits (100005), the others fewer
    expect(offers.body.offers[0]).toMatchObject({ msisdn: '+447922100005', sharedDigits: 6 });
    expect(offers.body.offers[1].sharedDigits).toBeLessThan(6);
    const reservedUntil = new Date(offers.body.offers[0].reservedUntil).getTime();
    expect(reservedUntil - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(reservedUntil - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const others = offers.body.offers.slice(1).map((o: any) => o.msisdn);

    const chosen = await me
      .post(`/customer/number-change/${id}/choose`, { msisdn: '07922 100005' })
      .expect(200);
    expect(chosen.body).toMatchObject({ state: 'number_reserved', newNumber: '+447922100005' });
    for (const o of others) expect(await poolState(o)).toBe('available');

    const queue = await api(staff.support).get('/number-change/requests?state=number_reserved').expect(200);
    const row = queue.body.find((r: any) => r.id === id);
    expect(row).toMatchObject({
      oldNumber: '+44 7*** ***005',
      newNumber: '+44 7*** ***005',
      heldForSupervisor: false,
    });
    expect(row.sla.remainingSeconds).toBeGreaterThan(23 * 3600);
    expect(row.sla.breached).toBe(false);

    await api(staff.support).post(`/number-change/requests/${id}/approve`).expect(200);
    const scheduled = await api(staff.support).post(`/number-change/requests/${id}/schedule`).expect(200);
    expect(scheduled.body.state).toBe('scheduled');

    // the worker picks the cutover job up and calls the provisioning sandbox over HTTP
    await eventually(async () => (await state(id)) === 'completed');
    const mine = await me.get(`/customer/number-change/${id}`).expect(200);
    expect(mine.body).toMatchObject({ state: 'completed', canCancel: false });
    expect(mine.body.plannedCutoverAt).toEqual(scheduled.body.scheduledAt);

    const subs = t.get<SubscribersService>(SubscribersService);
    expect((await subs.findById(c.id))!.msisdn).toBe('+447922100005');
    // the old number is history: analysis and notifications keyed by it still find the customer
    expect((await subs.findByNumberEver('07958 100005'))!.id).toBe(c.id);
    const history = await t.db.query(
      `SELECT msisdn, msisdn_hmac, valid_to FROM subscriber_number_history WHERE subscriber_id = $1`,
      [c.id],
    );
    expect(history).toEqual([
      { msisdn: '+447958100005', msisdn_hmac: subs.hmac('+447958100005'), valid_to: expect.any(Date) },
    ]);
    expect(await poolState('+447922100005')).toBe('assigned');
    const [old] = await t.db.query(
      `SELECT state, quarantined_until FROM number_pool WHERE msisdn = '+447958100005'`,
    );
    expect(old.state).toBe('quarantined');
    expect((old.quarantined_until.getTime() - Date.now()) / 86_400_000).toBeCloseTo(180, 0);
    expect(sandbox.changes.filter((ch) => ch.key === id)).toEqual([
      expect.objectContaining({
        accountId: 'ACC-HAPPY',
        oldMsisdn: '+447958100005',
        newMsisdn: '+447922100005',
      }),
    ]);

    // every step was confirmed: by SMS to the old number and by email, and to the new number once it works
    expect(await queued(id)).toEqual(
      [
        ...['requested', 'reserved', 'approved', 'scheduled', 'completed'].flatMap((s) => [
          `${s}:old`,
          `${s}:email`,
        ]),
        'completed:new',
      ].sort(),
    );
    const masked = '+44 7*** ***005'; // the new number: a thief holding the old phone must not learn it
    const toOld = await smsTo('+447958100005', 5);
    expect(toOld).toHaveLength(5);
    expect(toOld).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^We received a request to change your mobile number\. Not you\?/),
        expect.stringContaining(`You chose ${masked} as your new mobile number.`),
        expect.stringContaining(`to ${masked} is approved`),
        expect.stringContaining(
          `will change to ${masked} at ${plannedAtText(new Date(scheduled.body.scheduledAt))}.`,
        ),
        expect.stringContaining(`Your mobile number has changed to ${masked}.`),
      ]),
    );
    const toNew = await smsTo('+447922100005', 1);
    expect(toNew).toEqual([expect.stringContaining(`Your mobile number has changed to ${masked}.`)]);
    const emails = await mailTo('alex@example.com', 5);
    expect(emails.map((e) => e.parsed.subject).sort()).toEqual(
      [
        'When your mobile number changes',
        'You chose a new mobile number',
        'Your mobile number has changed',
        'Your number change is approved',
        'We received a request to change your mobile number',
      ].sort(),
    );
    for (const e of emails) expect(e.parsed.text).toMatch(/^Dear Alex,/);
    expect(emails.find((e) => e.parsed.subject === 'Your mobile number has changed')!.parsed.text).toContain(
      `Your mobile number has changed to ${masked}.`,
    );
    const everything = [
      ...toOld,
      ...toNew,
      ...emails.flatMap((e) => [e.parsed.text, e.parsed.html, e.parsed.subject]),
    ];
    for (const body of everything) expect(body).not.toMatch(/7922\s?100005/);
    // each carries a reference code the public verify page confirms as ours
    const ref = toNew[0].match(/Ref (\S+)$/)![1];
    const verifyJson = () => t.http().get(`/verify/${ref}`).set('Accept', 'application/json').expect(200);
    await eventually(async () => (await verifyJson()).body.genuine);
    expect((await verifyJson()).body).toMatchObject({
      genuine: true,
      channel: 'sms',
      kind: 'number-change-completed',
    });

    // every step is in the audit trail, with who did it
    const detail = await api(staff.supervisor).get(`/number-change/requests/${id}`).expect(200);
    const actions = detail.body.history.map((h: any) => `${h.action}:${h.actorType}`).reverse();
    expect(actions).toEqual([
      'number_change.request:customer',
      'number_change.verify:customer',
      'number_change.offer:customer',
      'number_change.reserve:customer',
      'number_change.approve:staff',
      'number_change.schedule:staff',
      'number_change.complete:system',
    ]);

    // a second request by the same customer is flagged: the number changed moments ago
    const again = await api(c.token, '198.51.100.51')
      .post('/customer/number-change', { reason: 'again' })
      .expect(201);
    const flagged = await api(staff.support).get(`/number-change/requests/${again.body.id}`).expect(200);
    expect(flagged.body.fraudSignals.map((s: any) => s.code)).toEqual(['number_recently_changed']);
    expect(flagged.body.heldForSupervisor).toBe(true);
  });

  it("denies a customer acting on another customer's request, and changes nothing", async () => {
    const { id } = await reservedRequest();
    const other = await signedInCustomer(t, { accountId: `ACC-${++seq}`, msisdn: nextNumber() });
    const them = api(other.token);
    await them.get(`/customer/number-change/${id}`).expect(404);
    await them.post(`/customer/number-change/${id}/cancel`).expect(404);
    await them.post(`/customer/number-change/${id}/offers`).expect(404);
    await them.post(`/customer/number-change/${id}/choose`, { msisdn: '07922 100020' }).expect(404);
    await them.post(`/customer/number-change/${id}/confirm-email`, { code: '123456' }).expect(404);
    expect((await them.get('/customer/number-change').expect(200)).body).toEqual([]);
    expect(await state(id)).toBe('number_reserved');
  });

  it('keeps one open request per customer (a database constraint)', async () => {
    const { c, me } = await reservedRequest();
    const res = await me.post('/customer/number-change', { reason: 'second one' }).expect(409);
    expect(res.body.message).toBe('You already have an open number-change request');
    // the refused request rolled back and queued no message ("requested" and "reserved" are the first's)
    expect(await count(t.db, `SELECT count(*) n FROM messages WHERE to_address = $1`, [c.msisdn])).toBe(2);
  });

  it('refuses illegal transitions with a clear error and audits none of them', async () => {
    const c = await signedInCustomer(t, { accountId: `ACC-${++seq}`, msisdn: nextNumber() });
    const created = await api(c.token).post('/customer/number-change', { reason: 'leak' }).expect(201);
    const id = created.body.id;
    const before = await count(t.db, `SELECT count(*) n FROM audit_events WHERE target_id = $1`, [id]);
    const res = await api(staff.support).post(`/number-change/requests/${id}/approve`).expect(409);
    expect(res.body.message).toBe('Cannot approve a request that is verified (only from: number_reserved)');
    await api(staff.support).post(`/number-change/requests/${id}/schedule`).expect(409);
    await api(c.token).post(`/customer/number-change/${id}/cancel`).expect(200);
    const again = await api(c.token).post(`/customer/number-change/${id}/cancel`).expect(409);
    expect(again.body.message).toMatch(/Cannot cancel a request that is cancelled/);
    await api(c.token).post(`/customer/number-change/${id}/offers`).expect(409);
    // the refused steps told nobody anything; the cancel did
    expect(await queued(id)).toEqual(['cancelled:old', 'requested:old']);
    expect(await smsTo(c.msisdn, 2)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Your request to change your mobile number was cancelled/),
      ]),
    );
    // exactly one audit row more: the cancel
    expect(await count(t.db, `SELECT count(*) n FROM audit_events WHERE target_id = $1`, [id])).toBe(
      before + 1,
    );
  });

  it('confirms by email: a wrong code is a fraud signal that holds the request for a supervisor', async () => {
    const c = await signedInCustomer(t, {
      accountId: `ACC-${++seq}`,
      msisdn: nextNumber(),
      email: 'eve@example.com',
    });
    const me = api(c.token, nextIp());
    const created = await me
      .post('/customer/number-change', { reason: 'leak', confirmByEmail: true })
      .expect(201);
    expect(created.body).toMatchObject({ state: 'requested', awaitingEmailConfirmation: true });
    const id = created.body.id;
    await me.post(`/customer/number-change/${id}/offers`).expect(409);
    // the code arrives by real email (through the SMTP sink), next to the usual "we received a request"
    const inbox = await mailTo('eve@example.com', 2);
    const codeMail = inbox.find((e) => e.parsed.subject === 'Your code to confirm your number change')!;
    const code = codeMail.parsed.text!.match(/change your mobile number: (\d{6})/)![1];
    expect(codeMail.parsed.html).toContain(code);
    expect(await queued(id)).toEqual(['code', 'requested:email', 'requested:old']);
    // the outbox forgets the code once it is sent (only its hash stays, on the request)
    await eventually(async () => {
      const [row] = await t.db.query(`SELECT status, vars FROM messages WHERE dedupe_key = $1`, [
        `number-change:${id}:code`,
      ]);
      return row.status !== 'pending' && row.status !== 'queued' && row.vars === null;
    });
    const wrong = code === '000000' ? '111111' : '000000';
    await me.post(`/customer/number-change/${id}/confirm-email`, { code: wrong }).expect(400);
    await me.post(`/customer/number-change/${id}/confirm-email`, { code: 'abc' }).expect(400);
    const ok = await me.post(`/customer/number-change/${id}/confirm-email`, { code }).expect(200);
    expect(ok.body.state).toBe('verified');

    const held = await api(staff.support)
      .get('/number-change/requests?held=true&signal=email_mismatch')
      .expect(200);
    expect(held.body.map((r: any) => r.id)).toEqual([id]);
    expect(held.body[0].fraudSignals).toEqual([
      { code: 'email_mismatch', detail: '1 wrong email confirmation code(s)' },
    ]);

    const offers = await me.post(`/customer/number-change/${id}/offers`).expect(200);
    await me
      .post(`/customer/number-change/${id}/choose`, { msisdn: offers.body.offers[0].msisdn })
      .expect(200);
    const refused = await api(staff.support).post(`/number-change/requests/${id}/approve`).expect(403);
    expect(refused.body.message).toMatch(/Held for a supervisor \(email_mismatch\)/);
    await api(staff.supervisor).post(`/number-change/requests/${id}/approve`).expect(200);
    // one code email only; every later step by email too
    const after = await mailTo('eve@example.com', 4);
    expect(after.map((e) => e.parsed.subject).sort()).toEqual([
      'We received a request to change your mobile number',
      'You chose a new mobile number',
      'Your code to confirm your number change',
      'Your number change is approved',
    ]);
  });

  it('refuses email confirmation without an email on file, and stops guessing after the limit', async () => {
    const noEmail = await signedInCustomer(t, { accountId: `ACC-${++seq}`, msisdn: nextNumber() });
    await api(noEmail.token)
      .post('/customer/number-change', { reason: 'leak', confirmByEmail: true })
      .expect(400);
    const c = await signedInCustomer(t, {
      accountId: `ACC-${++seq}`,
      msisdn: nextNumber(),
      email: 'mallory@example.com',
    });
    const me = api(c.token, nextIp());
    const { body } = await me
      .post('/customer/number-change', { reason: 'leak', confirmByEmail: true })
      .expect(201);
    // 5 wrong guesses at most (OTP_MAX_ATTEMPTS); then even a right code would be refused
    for (let i = 0; i < 5; i++)
      await me.post(`/customer/number-change/${body.id}/confirm-email`, { code: '99999' + i }).expect(400);
    await me.post(`/customer/number-change/${body.id}/confirm-email`, { code: '999995' }).expect(429);
    expect(await state(body.id)).toBe('requested');
  });

  it('shows fraud signals: a failed sign-in code just before, many requests from one IP', async () => {
    const c = await signedInCustomer(t, { accountId: `ACC-${++seq}`, msisdn: nextNumber() });
    const subs = t.get<SubscribersService>(SubscribersService);
    // two wrong guesses at a code sent to this number ten minutes ago
    await t.db.query(
      `INSERT INTO customer_otp_challenges (subscriber_id, msisdn_hmac, code_hash, attempts, max_attempts, expires_at, created_at)
       VALUES ($1, $2, 'x', 2, 5, $3, $3::timestamptz - interval '10 minutes')`,
      [c.id, subs.hmac(c.msisdn), t.clock.now()],
    );
    const created = await api(c.token, nextIp())
      .post('/customer/number-change', { reason: 'leak' })
      .expect(201);
    const view = await api(staff.support).get(`/number-change/requests/${created.body.id}`).expect(200);
    expect(view.body.fraudSignals).toEqual([
      { code: 'recent_otp_failure', detail: '2 failed sign-in code attempt(s) in the 30 minutes before' },
    ]);
    expect(view.body.heldForSupervisor).toBe(true);

    const ip = '192.0.2.99';
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const x = await signedInCustomer(t, { accountId: `ACC-${++seq}`, msisdn: nextNumber() });
      ids.push(
        (await api(x.token, ip).post('/customer/number-change', { reason: 'leak' }).expect(201)).body.id,
      );
    }
    const flagged = await api(staff.support)
      .get('/number-change/requests?signal=many_requests_from_ip')
      .expect(200);
    expect(flagged.body.map((r: any) => r.id)).toEqual([ids[3]]);
    // not a hold signal by default
    expect(flagged.body[0].heldForSupervisor).toBe(false);
  });

  it('flags a number ported in recently (subscribers import) and holds it for a supervisor; an old port does not', async () => {
    const [recent, old] = [`ACC-${++seq}`, `ACC-${++seq}`];
    const customers = {
      recent: await signedInCustomer(t, { accountId: recent, msisdn: nextNumber() }),
      old: await signedInCustomer(t, { accountId: old, msisdn: nextNumber() }),
    };
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    const csv = join(mkdtempSync(join(tmpdir(), 'candor-ported-')), 'ported.csv');
    writeFileSync(
      csv,
      `account_id,msisdn,ported_in_at\n${recent},${customers.recent.msisdn},${daysAgo(3.5)}\n` +
        `${old},${customers.old.msisdn},${daysAgo(45)}\n`,
    );
    expect(
      await t
        .get<SubscribersImportService>(SubscribersImportService)
        .importFile(csv, { ...SYSTEM_ACTOR, id: 'test' }),
    ).toMatchObject({ updated: 2, rejected: 0 });

    const ask = async (c: { token: string }) => {
      const me = api(c.token, nextIp());
      const { body } = await me.post('/customer/number-change', { reason: 'leak' }).expect(201);
      const offers = await me.post(`/customer/number-change/${body.id}/offers`).expect(200);
      await me
        .post(`/customer/number-change/${body.id}/choose`, { msisdn: offers.body.offers[0].msisdn })
        .expect(200);
      return (await api(staff.support).get(`/number-change/requests/${body.id}`).expect(200)).body;
    };
    const flagged = await ask(customers.recent);
    expect(flagged.fraudSignals).toEqual([
      { code: 'number_recently_ported', detail: 'number ported in 3 day(s) ago' },
    ]);
    expect(flagged.heldForSupervisor).toBe(true);
    const listed = await api(staff.support)
      .get('/number-change/requests?held=true&signal=number_recently_ported')
      .expect(200);
    expect(listed.body.map((r: any) => r.id)).toEqual([flagged.id]);
    const refused = await api(staff.support)
      .post(`/number-change/requests/${flagged.id}/approve`)
      .expect(403);
    expect(refused.body.message).toMatch(/Held for a supervisor \(number_recently_ported\)/);
    await api(staff.supervisor).post(`/number-change/requests/${flagged.id}/approve`).expect(200);

    const clean = await ask(customers.old);
    expect(clean.fraudSignals).toEqual([]);
    expect(clean.heldForSupervisor).toBe(false);
    await api(staff.support).post(`/number-change/requests/${clean.id}/approve`).expect(200);

    // a cutover's new number comes from the operator's own pool: the port-in date goes with the old one
    const ported = async () =>
      (await t.db.query(`SELECT ported_in_at FROM subscribers WHERE id = $1`, [customers.old.id]))[0]
        .ported_in_at;
    expect(await ported()).not.toBeNull();
    await t.db.transaction((m) =>
      t.get<SubscribersService>(SubscribersService).changeNumber(m, customers.old.id, nextNumber(), 'test'),
    );
    expect(await ported()).toBeNull();
  });

  it('shows supervisors the requests past their SLA', async () => {
    const { id } = await reservedRequest();
    await t.db.query(
      `UPDATE number_change_requests SET sla_due_at = $2::timestamptz - interval '2 hours' WHERE id = $1`,
      [id, t.clock.now()],
    );
    const res = await api(staff.supervisor).get('/number-change/breaches').expect(200);
    const row = res.body.find((r: any) => r.id === id);
    expect(row.sla.breached).toBe(true);
    expect(row.sla.remainingSeconds).toBeLessThan(-7000);
    const notBreached = await api(staff.support)
      .get('/number-change/requests?breached=false&limit=200')
      .expect(200);
    expect(notBreached.body.map((r: any) => r.id)).not.toContain(id);
    await api(staff.support).get('/number-change/requests?state=bogus').expect(400);
  });

  it('rejects with a reason: the held number goes back to the pool, the customer sees it', async () => {
    const { c, me, id, chosen } = await reservedRequest();
    await api(staff.support).post(`/number-change/requests/${id}/reject`, {}).expect(400);
    const res = await api(staff.support)
      .post(`/number-change/requests/${id}/reject`, { reason: 'could not verify' })
      .expect(200);
    expect(res.body).toMatchObject({ state: 'rejected', rejectionReason: 'could not verify' });
    expect(await poolState(chosen)).toBe('available');
    expect((await me.get(`/customer/number-change/${id}`).expect(200)).body.state).toBe('rejected');
    expect(await queued(id)).toEqual(['rejected:old', 'requested:old', 'reserved:old']);
    expect(await smsTo(c.msisdn, 3)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^We could not change your mobile number; your number stays/),
      ]),
    );
  });

  it('tells a Welsh-speaking customer in Welsh, by SMS (plain GSM text) and email', async () => {
    const { c, me, id } = await reservedRequest({ email: 'carys@example.com', locale: 'cy' });
    await me.post(`/customer/number-change/${id}/cancel`).expect(200);
    const texts = await smsTo(c.msisdn, 3);
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Cawsom gais i newid eich rhif symudol\. Nid chi\?/),
        expect.stringMatching(/^Cafodd eich cais i newid eich rhif symudol ei ganslo.* Cyf \S+$/),
      ]),
    );
    // a single segment or two, never UCS-2 (which would triple the length)
    expect(sms.messages.filter((m) => m.to === c.msisdn).every((m) => m.numSegments <= 2)).toBe(true);
    const emails = await mailTo('carys@example.com', 3);
    expect(emails.map((e) => e.parsed.subject)).toContain('Cafodd newid eich rhif ei ganslo');
    expect(emails.every((e) => e.parsed.text!.startsWith('Annwyl '))).toBe(true);
  });

  describe('cutover', () => {
    /** Approved and scheduled in the future, then made due, so the test (not the worker) drives it. */
    async function dueRequest() {
      const r = await reservedRequest();
      await api(staff.support).post(`/number-change/requests/${r.id}/approve`).expect(200);
      const at = new Date(Date.now() + 3600_000).toISOString();
      await api(staff.support).post(`/number-change/requests/${r.id}/schedule`, { at }).expect(200);
      await t.db.query(`UPDATE number_change_requests SET scheduled_at = $2 WHERE id = $1`, [
        r.id,
        t.clock.now(),
      ]);
      return r;
    }
    const cutover = () => t.get<CutoverService>(CutoverService);

    it('replayed twice (even at once) makes one change', async () => {
      const { id, c, chosen } = await dueRequest();
      const results = await Promise.all([cutover().run(id), cutover().run(id)]);
      expect(results.sort()).toEqual(['already_completed', 'completed']);
      expect(await cutover().run(id)).toBe('already_completed');
      expect(sandbox.changes.filter((ch) => ch.key === id)).toHaveLength(1);
      expect(
        await count(t.db, `SELECT count(*) n FROM subscriber_number_history WHERE subscriber_id = $1`, [
          c.id,
        ]),
      ).toBe(1);
      expect(
        await count(
          t.db,
          `SELECT count(*) n FROM audit_events WHERE action = 'number_change.complete' AND target_id = $1`,
          [id],
        ),
      ).toBe(1);
      expect((await t.get<SubscribersService>(SubscribersService).findById(c.id))!.msisdn).toBe(chosen);
      // and one confirmation to each number
      expect((await queued(id)).filter((k) => k.startsWith('completed'))).toEqual([
        'completed:new',
        'completed:old',
      ]);
      expect(await smsTo(chosen, 1)).toEqual([expect.stringContaining('Your mobile number has changed')]);
    });

    it('does nothing for a request that is not due or not scheduled', async () => {
      const { id } = await reservedRequest();
      expect(await cutover().run(id)).toBe('not_due');
      expect(await state(id)).toBe('number_reserved');
    });

    it('retries provisioning failures with backoff, then completes', async () => {
      const { id } = await reservedRequest();
      await api(staff.support).post(`/number-change/requests/${id}/approve`).expect(200);
      sandbox.failNext(2, 503);
      const calls = sandbox.calls;
      await api(staff.support).post(`/number-change/requests/${id}/schedule`).expect(200);
      await eventually(async () => (await state(id)) === 'completed');
      expect(sandbox.calls - calls).toBe(3);
      const [r] = await t.db.query(
        `SELECT provisioning_attempts, last_error FROM number_change_requests WHERE id = $1`,
        [id],
      );
      expect(r).toEqual({ provisioning_attempts: 3, last_error: null });
    });

    it('gives up after the last try, leaves the request to an agent, and a reschedule completes it', async () => {
      const { id, me } = await reservedRequest();
      await api(staff.support).post(`/number-change/requests/${id}/approve`).expect(200);
      sandbox.failNext(3, 503); // PROVISIONING_MAX_ATTEMPTS=3
      await api(staff.support).post(`/number-change/requests/${id}/schedule`).expect(200);
      await eventually(() =>
        count(
          t.db,
          `SELECT count(*) n FROM audit_events WHERE action = 'number_change.cutover_failed' AND target_id = $1`,
          [id],
        ),
      );
      const view = await api(staff.support).get(`/number-change/requests/${id}`).expect(200);
      expect(view.body).toMatchObject({
        state: 'scheduled',
        cutoverInProgress: false,
        lastError: 'provisioning answered 503: injected failure',
      });
      await api(staff.support).post(`/number-change/requests/${id}/schedule`).expect(200);
      await eventually(async () => (await state(id)) === 'completed');
      await me.post(`/customer/number-change/${id}/cancel`).expect(409);
    });

    it('stops at once when the operator refuses the order (4xx)', async () => {
      const { id } = await reservedRequest();
      await api(staff.support).post(`/number-change/requests/${id}/approve`).expect(200);
      sandbox.failNext(1, 400);
      const calls = sandbox.calls;
      await api(staff.support).post(`/number-change/requests/${id}/schedule`).expect(200);
      await eventually(() =>
        count(
          t.db,
          `SELECT count(*) n FROM audit_events WHERE action = 'number_change.cutover_failed' AND target_id = $1`,
          [id],
        ),
      );
      expect(sandbox.calls - calls).toBe(1);
      expect(await state(id)).toBe('scheduled');
    });

    it('cannot be cancelled or rejected once the cutover has started', async () => {
      const { id, me } = await dueRequest();
      await t.db.query(`UPDATE number_change_requests SET cutover_started_at = now() WHERE id = $1`, [id]);
      const res = await me.post(`/customer/number-change/${id}/cancel`).expect(409);
      expect(res.body.message).toBe('The cutover has started; the request can no longer be changed');
      await api(staff.support)
        .post(`/number-change/requests/${id}/reject`, { reason: 'too late' })
        .expect(409);
    });

    it('can be cancelled by the customer while scheduled, before cutover', async () => {
      const { id, me, chosen, c } = await dueRequest();
      await me.post(`/customer/number-change/${id}/cancel`).expect(200);
      expect(await cutover().run(id)).toBe('not_due');
      expect(await poolState(chosen)).toBe('available');
      expect(await queued(id)).toEqual([
        'approved:old',
        'cancelled:old',
        'requested:old',
        'reserved:old',
        'scheduled:old',
      ]);
      expect(await smsTo(c.msisdn, 5)).toEqual(
        expect.arrayContaining([expect.stringContaining('was cancelled; your number stays the same')]),
      );
    });
  });

  describe('sweeper', () => {
    const sweep = () => t.get<NumberChangeSweeper>(NumberChangeSweeper).sweep();

    it('is registered as a repeatable job', async () => {
      const queue = t.get<Queue>(getQueueToken(NUMBER_CHANGE_QUEUE));
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key)).toContain(SWEEP_SCHEDULER_ID);
      expect(schedulers.find((s) => s.key === SWEEP_SCHEDULER_ID)?.every).toBe(60_000);
    });

    it('releases expired reservations: the lapsed offer cannot be chosen', async () => {
      const c = await signedInCustomer(t, { accountId: `ACC-${++seq}`, msisdn: nextNumber() });
      const me = api(c.token, nextIp());
      const { body } = await me.post('/customer/number-change', { reason: 'leak' }).expect(201);
      const offers = (await me.post(`/customer/number-change/${body.id}/offers`).expect(200)).body.offers;
      await t.db.query(
        `UPDATE number_pool SET reserved_until = $2::timestamptz - interval '1 second' WHERE request_id = $1`,
        [body.id, t.clock.now()],
      );
      expect((await sweep()).reservations).toBe(3);
      for (const o of offers) expect(await poolState(o.msisdn)).toBe('available');
      const res = await me
        .post(`/customer/number-change/${body.id}/choose`, { msisdn: offers[0].msisdn })
        .expect(409);
      expect(res.body.message).toMatch(/no longer\) reserved for you/);
    });

    it('never offers a quarantined number before its quarantine ends', async () => {
      await t.db.query(
        `UPDATE number_pool SET state = 'quarantined', quarantined_until = $1::timestamptz + interval '1 day' WHERE state = 'available'`,
        [t.clock.now()],
      );
      const c = await signedInCustomer(t, { accountId: `ACC-${++seq}`, msisdn: nextNumber() });
      const me = api(c.token, nextIp());
      const { body } = await me.post('/customer/number-change', { reason: 'leak' }).expect(201);
      expect((await me.post(`/customer/number-change/${body.id}/offers`).expect(200)).body.offers).toEqual(
        [],
      );
      await t.db.query(
        `UPDATE number_pool SET quarantined_until = $1::timestamptz - interval '1 second' WHERE state = 'quarantined'`,
        [t.clock.now()],
      );
      expect((await sweep()).quarantines).toBeGreaterThan(0);
      expect(
        (await me.post(`/customer/number-change/${body.id}/offers`).expect(200)).body.offers,
      ).toHaveLength(3);
    });

    it('expires requests that stalled before a number was chosen', async () => {
      const c = await signedInCustomer(t, { accountId: `ACC-${++seq}`, msisdn: nextNumber() });
      const { body } = await api(c.token, nextIp())
        .post('/customer/number-change', { reason: 'leak' })
        .expect(201);
      await t.db.query(
        `UPDATE number_change_requests SET created_at = $2::timestamptz - interval '25 hours' WHERE id = $1`,
        [body.id, t.clock.now()],
      );
      expect((await sweep()).expired).toBe(1);
      expect(await state(body.id)).toBe('expired');
      const [audit] = await t.db.query(
        `SELECT actor_type FROM audit_events WHERE action = 'number_change.expire' AND target_id = $1`,
        [body.id],
      );
      expect(audit.actor_type).toBe('system');
      expect((await sweep()).expired).toBe(0);
      expect(await smsTo(c.msisdn, 2)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^Your request to change your mobile number expired/)]),
      );
    });
  });
});
