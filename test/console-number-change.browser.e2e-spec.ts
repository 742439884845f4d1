import { join } from 'node:path';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { axe, ConsoleBrowser, Hands, OUT, sidewaysOverflow, ukLocal } from './helpers/console-browser';
import { customerWithToken } from './helpers/customer';
import { staffTokens } from './helpers/staff';

/**
 * Issue 15's number-change journey in a real browser: a request held by a fraud signal (wrong sign-in codes
 * just before it) waits for a supervisor; support sees it but cannot decide it; a supervisor reads the
 * signal and the request's history and approves it.
 */
describe('console: a supervisor approves a held number change, in headless Chromium', () => {
  let t: TestApp;
  let base: string;
  const cb = new ConsoleBrowser();
  let requestId = '';

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { listen: true });
    base = t.env.PUBLIC_BASE_URL;
    await cb.start(t);
    const { tokens } = await staffTokens(t, ['admin']);
    const pool = ['msisdn', ...Array.from({ length: 5 }, (_, i) => `07922 ${String(200001 + i)}`)].join('\n');
    await t
      .http()
      .post('/number-change/pool/import')
      .auth(tokens.admin, { type: 'bearer' })
      .type('text/csv')
      .send(pool)
      .expect(200);
    const { subscriber, token } = await customerWithToken(t, 'ACC-HELD-1', '07911 123457', {
      firstName: 'Robin',
    });
    // two wrong guesses at a sign-in code to this number ten minutes ago: the request is held
    await t.db.query(
      `INSERT INTO customer_otp_challenges (subscriber_id, msisdn_hmac, code_hash, attempts, max_attempts, expires_at, created_at)
       VALUES ($1, $2, 'x', 2, 5, $3, $3::timestamptz - interval '10 minutes')`,
      [subscriber.id, t.get<SubscribersService>(SubscribersService).hmac(subscriber.msisdn), t.clock.now()],
    );
    const post = (path: string, body?: object) =>
      t.http().post(path).auth(token, { type: 'bearer' }).set('x-forwarded-for', '198.51.100.7').send(body);
    requestId = (await post('/customer/number-change', { reason: 'my number leaked' }).expect(201)).body.id;
    const offers = await post(`/customer/number-change/${requestId}/offers`).expect(200);
    await post(`/customer/number-change/${requestId}/choose`, {
      msisdn: offers.body.offers[0].msisdn,
    }).expect(200);
    const [r] = await t.db.query(
      `SELECT state, held_for_supervisor FROM number_change_requests WHERE id = $1`,
      [requestId],
    );
    expect(r).toEqual({ state: 'number_reserved', held_for_supervisor: true });
  }, 120_000); // an app and a browser booting on a busy machine
  afterAll(async () => {
    await cb.stop();
    await t?.close();
  });

  it('support cannot decide it; a supervisor reads the signal and history and approves it', async () => {
    const support = new Hands(await cb.open());
    await cb.signIn(support, 'support');
    await support.click(support.page.getByRole('link', { name: 'Number changes' }));
    await support.page.getByText('A supervisor must decide this request.').waitFor();
    // the SLA countdown reads the queue's `sla.dueAt` (it once read a field the API never sent)
    await support.page.getByText(/^in \d+ (h|min)/).waitFor();
    expect(await support.page.getByText('No promise set').count()).toBe(0);
    expect(await support.page.getByRole('button', { name: /^Approve request/ }).count()).toBe(0);

    const sup = new Hands(await cb.open(390));
    await cb.signIn(sup, 'supervisor');
    await sup.click(sup.page.getByRole('button', { name: 'Menu' }));
    await sup.click(sup.page.getByRole('link', { name: 'Number changes' }));
    await sup.click(sup.page.getByRole('checkbox', { name: 'Only requests held for a supervisor' }));
    const card = sup.page.getByRole('listitem').filter({ hasText: 'Held for a supervisor' });
    await card.getByText(/failed sign-in code attempt/).waitFor();
    await card.getByText('New number chosen').waitFor(); // the state in words, not number_reserved
    await sup.click(card.getByRole('button', { name: 'Show history' }));
    const history = card.getByRole('list', { name: 'History' });
    await history.getByText(/Customer asked to change number/).waitFor();
    expect(await history.innerText()).toMatch(/Customer chose a new number|now New number chosen/);
    expect(await sup.page.locator('body').innerText()).not.toContain('number_reserved');
    await sup.page.screenshot({ path: join(OUT, 'console-number-change-390.png'), fullPage: true });

    // too short a reason: refused in the card's words, nothing changes
    await sup.type(card.getByLabel('Reason for rejecting'), 'no');
    await sup.click(card.getByRole('button', { name: 'Reject' }));
    await card
      .getByRole('alert')
      .getByText('Please check: Reason for rejecting needs at least 3 characters')
      .waitFor();
    await sup.click(card.getByRole('button', { name: /^Approve request/ }));
    await sup.page
      .getByText('No open requests.')
      .or(sup.page.getByText('Approved', { exact: true }))
      .first()
      .waitFor();
    const [r] = await t.db.query(`SELECT state FROM number_change_requests WHERE id = $1`, [requestId]);
    expect(['approved', 'scheduled']).toContain(r.state);
    const [audit] = await t.db.query(
      `SELECT actor_role FROM audit_events WHERE target_id = $1 AND action = 'number_change.approve'`,
      [requestId],
    );
    expect(audit.actor_role).toBe('supervisor');

    // the cutover planned for tomorrow, typed in UK time, arrives as that instant
    const at = new Date(Math.ceil(t.clock.now().getTime() / 60_000) * 60_000 + 86_400_000);
    await sup.page.goto(`${base}/console/number-changes/${requestId}`);
    await sup.type(sup.page.getByLabel('Cutover at (UK time)'), ukLocal(at));
    await sup.click(sup.page.getByRole('button', { name: 'Schedule', exact: true }));
    await sup.page.getByText('Switch planned', { exact: true }).waitFor();
    const [planned] = await t.db.query(
      `SELECT state, scheduled_at FROM number_change_requests WHERE id = $1`,
      [requestId],
    );
    expect(planned).toEqual({ state: 'scheduled', scheduled_at: at });
  }, 120_000);

  it('has no axe violations on the request page with its history, at 390 px and 1280 px', async () => {
    for (const width of [390, 1280]) {
      const page = await cb.open(width, true);
      await cb.signIn(new Hands(page), 'admin');
      await page.goto(`${base}/console/number-changes/${requestId}`);
      await page.getByRole('list', { name: 'History' }).waitFor();
      await page.waitForFunction(() => !(globalThis as any).document.body.innerText.includes('Loading'));
      await axe(page, `number-change@${width}`);
      expect(await sidewaysOverflow(page)).toBe(0);
    }
  }, 120_000);
});
