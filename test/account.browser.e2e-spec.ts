import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { startTestApp, TestApp } from './helpers/app';
import { generousWaits } from './helpers/console-browser';
import { eventually } from './helpers/customer';
import { openIncidentWithUpdate } from './helpers/incidents';
import { creditOffer, signInCodeSent } from './helpers/pages';
import { analyseSamples } from './helpers/samples';
import { staffTokens } from './helpers/staff';

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const out = join(__dirname, '..', 'test-output', 'account');

/**
 * The customer journeys in a real browser with JavaScript off (Debian's chromium): sign in by the code read
 * from the Twilio sandbox, see the exposure with its websites, claim an offer once, change number end to end
 * through the provisioning sandbox, "Not you?" holding a request and alerting, /verify/<code> from an SMS, and
 * 404 pages in both languages. Every page visited is checked by axe at 390 and 1280 px (0 violations) and
 * screenshotted into test-output/account/.
 */
jest.setTimeout(240_000);

describe('My account in headless Chromium, JavaScript off', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let browser: Browser;
  let axeCtx: BrowserContext;
  let base: string;
  let profile: string;
  let sms: TwilioSandbox;
  let customer: { id: string; msisdn: string };
  const visited = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp({ OTP_MAX_PER_NUMBER_PER_HOUR: '50' }, undefined, { listen: true });
    base = t.env.PUBLIC_BASE_URL;
    sms = t.get(TwilioSandbox);
    ({ tokens: staff } = await staffTokens(t));
    await openIncidentWithUpdate(t, staff);
    const run = await analyseSamples(t);
    [customer] = await t.db.query(
      `SELECT s.id, s.msisdn FROM subscribers s JOIN analysis_matches m ON m.subscriber_id = s.id
       WHERE m.run_id = $1 AND s.locale = 'en' AND s.email IS NOT NULL ORDER BY s.msisdn LIMIT 1`,
      [run.runId],
    );
    await creditOffer(t, staff.supervisor, 'Sorry credit', 500);
    const pool = ['msisdn', ...Array.from({ length: 6 }, (_, i) => `07922 ${100001 + i}`)].join('\n');
    await t
      .http()
      .post('/number-change/pool/import')
      .auth(staff.admin, { type: 'bearer' })
      .type('text/csv')
      .send(pool)
      .expect(200);
    profile = mkdtempSync(join(tmpdir(), 'candor-chromium-'));
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ];
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
    // axe needs script: a second context reads the same pages (they have none of their own) with it on
    axeCtx = await browser.newContext({ javaScriptEnabled: true });
    generousWaits(axeCtx);
    mkdirSync(out, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  /** A new browser (own cookies), JavaScript off, a 390 px phone. */
  async function phone(): Promise<Page> {
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    generousWaits(ctx);
    return ctx.newPage();
  }

  /** axe at 390 and 1280 px on the page as the customer sees it (its HTML, with their cookies). */
  async function checkPage(page: Page, name: string) {
    const html = await page.content();
    for (const width of [390, 1280]) {
      const p = await axeCtx.newPage();
      await p.setViewportSize({ width, height: 900 });
      await p.route('**/*', (route) => route.fulfill({ contentType: 'text/html', body: html }));
      await p.goto(page.url());
      await p.addScriptTag({ content: AXE });
      const violations = await p.evaluate(async () => {
        const r = await (globalThis as any).axe.run({
          runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'],
        });
        return r.violations.map(
          (v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`,
        );
      });
      expect({ name, width, violations }).toEqual({ name, width, violations: [] });
      await p.close();
    }
    expect(
      await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    visited.add(name);
  }

  async function signIn(page: Page, msisdn: string) {
    const seen = sms.messages.all.filter((m) => m.to === msisdn).length;
    await page.goto(`${base}/account`);
    expect(page.url()).toBe(`${base}/account/sign-in`);
    await checkPage(page, 'sign-in');
    await page.getByLabel('Mobile number').fill('0' + msisdn.slice(3));
    await page.getByRole('button', { name: 'Send me a code' }).click();
    const { code } = await signInCodeSent(sms, msisdn, seen);
    await checkPage(page, 'sign-in-code');
    await page.getByLabel('Code from the text message').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/account`);
  }

  it('signs in by code, shows the exposure with its websites, and claims an offer once', async () => {
    const page = await phone();
    await page.goto(`${base}/`);
    await checkPage(page, 'home');
    await signIn(page, customer.msisdn);
    expect(await page.locator('h1').innerText()).toBe('My account');
    expect(await page.locator('ul.sites li').count()).toBeGreaterThan(0);
    await checkPage(page, 'account-exposure');

    await page.getByRole('link', { name: 'Offers and balance' }).first().click();
    await checkPage(page, 'account-offers');
    // the same page open in a second tab: its button is the "second click"
    const second = await page.context().newPage();
    await second.goto(page.url());
    await page.getByRole('button', { name: 'Claim Sorry credit' }).click();
    expect(await page.locator('p.ok[role=status]').innerText()).toContain('you have claimed Sorry credit');
    expect(await page.locator('main').innerText()).toContain('£5.00');
    await checkPage(page, 'account-offers-claimed');
    // the second click says it is already claimed, and adds nothing
    await second.getByRole('button', { name: 'Claim Sorry credit' }).click();
    expect(await second.locator('p.bad[role=alert]').innerText()).toContain('already claimed');
    await second.close();
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM offer_claims WHERE subscriber_id = $1`, [
      customer.id,
    ]);
    expect(n).toBe(1);

    await eventually(
      async () => {
        await page.goto(`${base}/account/messages`);
        return (await page.locator('ol.timeline li').count()) > 0;
      },
      60_000,
      'a message on the account messages page',
    );
    await checkPage(page, 'account-messages');
    await page.goto(`${base}/account/updates`);
    await checkPage(page, 'account-updates');
    await page.close();
  });

  it('changes the number end to end through the provisioning sandbox, in Welsh', async () => {
    const page = await phone();
    await signIn(page, customer.msisdn);
    await page.goto(`${base}/account/number-change?lang=cy`);
    await checkPage(page, 'number-start-cy');
    await page.getByRole('button', { name: 'Dechrau fy nghais' }).click();
    await page.getByRole('button', { name: 'Dangos rhifau i mi' }).click();
    expect(await page.locator('main').innerText()).toMatch(/tan .*\(amser y DU\)/);
    await checkPage(page, 'number-choose-cy');
    const chosen = await page.locator('input[name=msisdn]').first().getAttribute('value');
    await page.getByRole('button', { name: "Cadarnhau'r rhif hwn" }).click();
    expect(await page.locator('dl.facts').innerText()).toContain('Rhif wedi');
    const [req] = await t.db.query(`SELECT id FROM number_change_requests WHERE subscriber_id = $1`, [
      customer.id,
    ]);
    const agent = (url: string, body: object = {}) =>
      t.http().post(url).auth(staff.supervisor, { type: 'bearer' }).send(body).expect(200);
    await agent(`/number-change/requests/${req.id}/approve`);
    const at = new Date(t.clock.now().getTime() + 3600_000).toISOString();
    await agent(`/number-change/requests/${req.id}/schedule`, { at });
    await page.goto(`${base}/account/number-change?lang=cy`);
    expect(await page.locator('dl.facts').innerText()).toMatch(/Newid wedi.i gynllunio/);
    await checkPage(page, 'number-scheduled-cy');
    // due now: the worker runs the cutover against the provisioning sandbox
    // (one clock for "now": the app's, not PostgreSQL's now() beside Node's)
    const now = t.clock.now();
    await t.db.query(`UPDATE number_change_requests SET scheduled_at = $2 WHERE id = $1`, [req.id, now]);
    await agent(`/number-change/requests/${req.id}/schedule`, { at: now.toISOString() });
    await eventually(
      async () => {
        const [r] = await t.db.query(`SELECT state FROM number_change_requests WHERE id = $1`, [req.id]);
        return r.state === 'completed';
      },
      60_000,
      'the number change cutover to complete against the provisioning sandbox',
    );
    const [s] = await t.db.query(`SELECT msisdn FROM subscribers WHERE id = $1`, [customer.id]);
    expect(s.msisdn).toBe(chosen);
    customer.msisdn = s.msisdn;
    await page.goto(`${base}/account/number-change?lang=cy`);
    expect(await page.locator('dl.facts').innerText()).toContain('mae eich rhif wedi newid');
    await checkPage(page, 'number-completed-cy');
    await page.close();
  });

  it('"Not you?" holds a request for a supervisor and alerts the account holder by email', async () => {
    const victim = (
      await t.db.query(
        `SELECT id, msisdn, email FROM subscribers WHERE email IS NOT NULL AND id <> $1 AND locale = 'en' ORDER BY msisdn LIMIT 1`,
        [customer.id],
      )
    )[0];
    // someone else, signed in as the victim (a stolen phone), asks for a new number
    const thief = await phone();
    await signIn(thief, victim.msisdn);
    await thief.goto(`${base}/account/number-change`);
    await thief.getByRole('button', { name: 'Start my request' }).click();
    await thief.close();
    const text = (await eventually(
      async () =>
        sms.messages.all.find((m) => m.to === victim.msisdn && m.body.includes('change your mobile number')),
      60_000,
      "the number-change SMS to the account holder's number",
    ))!;
    expect(text.body).toContain(`${base}/not-me`);
    const ref = /Ref (\S+)$/.exec(text.body)![1];

    const page = await phone();
    await page.goto(`${base}/not-me`);
    await checkPage(page, 'not-me');
    await page.getByLabel('Reference code from the message').fill(ref);
    await page.getByRole('button', { name: 'Stop the change' }).click();
    const done = await page.locator('div.ok').innerText();
    expect(done).toContain('the change is stopped until a supervisor has checked it');
    await checkPage(page, 'not-me-done');
    const [r] = await t.db.query(
      `SELECT held_for_supervisor, fraud_signals FROM number_change_requests WHERE subscriber_id = $1`,
      [victim.id],
    );
    expect(r.held_for_supervisor).toBe(true);
    expect(r.fraud_signals.map((x: any) => x.code)).toContain('reported_not_me');
    const mail = t.get<SmtpSink>(SmtpSink);
    await mail.messages.waitFor(
      (all) => all.some((m) => m.envelopeTo.includes(victim.email) && /stopped/.test(m.parsed.subject ?? '')),
      60_000,
      'the "stopped" email to the account holder',
    );
    // a made-up reference gets the very same page: nothing can be learnt from it
    await page.goto(`${base}/not-me`);
    await page.getByLabel('Reference code from the message').fill('0000-ABCDEF');
    await page.getByRole('button', { name: 'Stop the change' }).click();
    expect(await page.locator('div.ok').innerText()).toBe(done);
    await page.close();
  });

  it('opens /verify/<code> from an SMS as a page saying what the message was about', async () => {
    const body = await eventually(
      async () => sms.messages.all.find((m) => /\/verify\/\S+/.test(m.body))?.body,
      60_000,
      'an SMS with a /verify link',
    );
    const url = /(http:\/\/\S+\/verify\/[0-9A-Z-]+)/.exec(body!)![1];
    const page = await phone();
    await page.goto(url);
    expect(await page.locator('h1').innerText()).toBe('Check a message is from us');
    expect(await page.locator('main').innerText()).toContain('Genuine.');
    expect(await page.locator('main').innerText()).toContain('The message with this code was');
    await checkPage(page, 'verify-link');
    await page.close();
  });

  it('shows 404 pages in both languages, with a way back', async () => {
    const page = await phone();
    const en = await page.goto(`${base}/no-such-page`);
    expect(en!.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('We could not find that page');
    await checkPage(page, '404-en');
    await page.goto(`${base}/status/incidents/00000000-0000-4000-8000-000000000000?lang=cy`);
    expect(await page.locator('html').getAttribute('lang')).toBe('cy');
    await checkPage(page, '404-cy');
    await page.getByRole('link', { name: "Yn ôl i'r dechrau" }).click();
    expect(page.url()).toBe(`${base}/?lang=cy`);
    await checkPage(page, 'home-cy');
    await page.close();
    expect(visited.size).toBeGreaterThanOrEqual(18);
  });
});
