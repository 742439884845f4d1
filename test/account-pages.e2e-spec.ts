import { ErrorPages } from '../src/platform/http/error-pages';
import { Clock } from '../src/platform/clock/clock';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscriptionsService } from '../src/status-page/subscriptions.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/customer';
import { openIncidentWithUpdate } from './helpers/incidents';
import { browserAgent, creditOffer, csrfOf, signInThroughPages } from './helpers/pages';
import { analyseSamples } from './helpers/samples';
import { staffTokens } from './helpers/staff';

/**
 * My account through its pages, as a browser uses them (cookies, forms, HTML): sign-in by code, the cookie
 * session (HttpOnly, SameSite=Lax, idle expiry, sign out), CSRF on every form, each page, and another
 * customer's ids on every page and form.
 */
describe('My account pages', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  let affected: { id: string; msisdn: string };
  let other: { id: string; msisdn: string };
  let offerId: string;
  let otherOfferId: string;

  beforeAll(async () => {
    t = await startTestApp({ OTP_MAX_PER_NUMBER_PER_HOUR: '50' }, undefined, { listen: true });
    ({ tokens: staff } = await staffTokens(t));
    const run = await analyseSamples(t);
    const [row] = await t.db.query(
      `SELECT s.id, s.msisdn FROM subscribers s JOIN analysis_matches m ON m.subscriber_id = s.id
       WHERE m.run_id = $1 AND s.locale = 'en' ORDER BY s.msisdn LIMIT 1`,
      [run.runId],
    );
    affected = row;
    const subs = t.get<SubscribersService>(SubscribersService);
    const o = await subs.upsert({
      accountId: 'AP-OTHER',
      msisdn: '07911 123458',
      email: 'other@example.com',
    });
    other = { id: o.id, msisdn: o.msisdn };
    offerId = await creditOffer(t, staff.supervisor, 'Sorry credit', 500, [affected.msisdn]);
    // an offer only the other customer may claim
    otherOfferId = await creditOffer(t, staff.supervisor, 'Their credit', 700, [other.msisdn]);
  });
  afterAll(async () => {
    t?.get<Clock>(Clock).reset();
    await t?.close();
  });

  it('sends a signed-out browser to the sign-in page, and signs in with a code into an HttpOnly SameSite=Lax cookie', async () => {
    const agent = browserAgent(t);
    const first = await agent.get('/account/offers').expect(303);
    expect(first.headers.location).toBe('/account/sign-in');
    const { setCookie, location, text } = await signInThroughPages(t, agent, affected.msisdn);
    expect(text).toContain('Your Candor sign-in code is');
    expect(location).toBe('/account');
    const session = setCookie.find((c) => c.startsWith('candor_customer='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    const page = await agent.get('/account').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain(`+44 7*** ***${affected.msisdn.slice(-3)}`);
    expect(page.text).not.toContain(affected.msisdn.slice(3));
    // exposure: count, first and last seen with the year, and which websites
    expect(page.text).toContain('was affected');
    expect(page.text).toContain('Times your number was sent');
    expect(page.text).toMatch(/2025/);
    const sites = /<ul class="sites">([\s\S]*?)<\/ul>/.exec(page.text)![1];
    expect(sites.match(/<li>/g)!.length).toBeGreaterThan(0);
  });

  it('sends the sign-in code in the subscriber language (Welsh)', async () => {
    const cy = await t
      .get<SubscribersService>(SubscribersService)
      .upsert({ accountId: 'AP-CY', msisdn: '07911 123459', locale: 'cy' });
    const agent = browserAgent(t);
    const { text } = await signInThroughPages(t, agent, cy.msisdn, 'cy');
    expect(text).toContain('Eich cod mewngofnodi Candor yw');
    const page = await agent.get('/account?lang=cy').expect(200);
    expect(page.text).toContain('<html lang="cy">');
    expect(page.text).toContain('Fy nghyfrif');
  });

  it('refuses every form without the token bound to the session (a forged cross-site post)', async () => {
    const agent = browserAgent(t);
    await signInThroughPages(t, agent, affected.msisdn);
    const forged = await agent
      .post(`/account/offers/${offerId}/claim`)
      .type('form')
      .send({ locale: 'en' })
      .expect(403);
    expect(forged.headers['content-type']).toMatch(/^text\/html/);
    expect(forged.text).toContain('This form has expired');
    const wrong = await agent
      .post('/account/sign-out')
      .type('form')
      .send({ _csrf: 'x'.repeat(32) })
      .expect(403);
    expect(wrong.text).toContain('This form has expired');
    // the public sign-in form is bound to its form cookie: a post from elsewhere has neither
    await browserAgent(t)
      .post('/account/sign-in')
      .type('form')
      .send({ msisdn: '07911123456', _csrf: 'x' })
      .expect(403);
    await browserAgent(t).post('/not-me').type('form').send({ reference: 'ABCD-EFGHJK' }).expect(403);
    // nothing was claimed by the forged posts
    expect(await claims(affected.id)).toBe(0);
  });

  const claims = async (subscriberId: string) =>
    Number(
      (await t.db.query(`SELECT count(*) FROM offer_claims WHERE subscriber_id = $1`, [subscriberId]))[0]
        .count,
    );

  it('claims an offer with one button; a second click says it is already claimed and adds nothing', async () => {
    const agent = browserAgent(t);
    await signInThroughPages(t, agent, affected.msisdn);
    const offers = await agent.get('/account/offers').expect(200);
    expect(offers.text).toContain('Claim Sorry credit');
    expect(offers.text).not.toContain('Their credit');
    expect(offers.text).toContain('£0.00');
    const claimed = await agent
      .post(`/account/offers/${offerId}/claim`)
      .type('form')
      .send({ _csrf: csrfOf(offers.text), locale: 'en' })
      .expect(201);
    expect(claimed.text).toContain('you have claimed Sorry credit');
    expect(claimed.text).toContain('£5.00');
    expect(claimed.text).not.toContain('Claim Sorry credit');
    const again = await agent
      .post(`/account/offers/${offerId}/claim`)
      .type('form')
      .send({ _csrf: csrfOf(offers.text), locale: 'en' })
      .expect(409);
    expect(again.text).toContain('already claimed');
    expect(await claims(affected.id)).toBe(1);
    // the confirmation it sent is in "Messages we sent you", with its reference code
    const sms = t.get<TwilioSandbox>(TwilioSandbox);
    await sms.messages.waitFor((all) =>
      all.some((m) => m.to === affected.msisdn && /claim is confirmed/.test(m.body)),
    );
    const messages = await eventually(async () => {
      const r = await agent.get('/account/messages').expect(200);
      return r.text.includes('confirming an offer you claimed') ? r.text : null;
    });
    const sent = sms.messages.all.find(
      (m) => m.to === affected.msisdn && /claim is confirmed/.test(m.body),
    )!.body;
    const ref = /([0-9A-Z]{4,}-[0-9A-Z]{6})/.exec(sent)![1];
    expect(messages).toContain(`<code>${ref}</code>`);
    // and the verify link in it shows the page saying what it was about
    const verify = await browserAgent(t).get(`/verify/${ref}`).expect(200);
    expect(verify.text).toContain('confirming an offer you claimed');
    expect(verify.text).not.toContain('Sorry credit');
  });

  it('another customer’s ids, on every page and form, answer as missing ones and change nothing', async () => {
    const agent = browserAgent(t);
    await signInThroughPages(t, agent, affected.msisdn);
    const token = csrfOf((await agent.get('/account/offers').expect(200)).text);
    // their offer
    const claim = await agent
      .post(`/account/offers/${otherOfferId}/claim`)
      .type('form')
      .send({ _csrf: token })
      .expect(404);
    expect(claim.text).toContain('We could not find that page');
    expect(await claims(other.id)).toBe(0);
    // their number-change request, at every step
    const theirs = await t
      .get<any>(require('../src/number-change/number-change.service').NumberChangeService)
      .create(other.id, { reason: 'other' }, { type: 'customer', id: other.id });
    const bodies: Record<string, object> = {
      'confirm-email': { code: '123456' },
      offers: {},
      choose: { msisdn: '07922100001' },
      cancel: {},
    };
    for (const [step, body] of Object.entries(bodies))
      await agent
        .post(`/account/number-change/${theirs.id}/${step}`)
        .type('form')
        .send({ _csrf: token, ...body })
        .expect(404);
    expect(
      (await t.db.query(`SELECT state FROM number_change_requests WHERE id = $1`, [theirs.id]))[0].state,
    ).toBe('verified');
    // their subscription
    const subs = t.get<SubscriptionsService>(SubscriptionsService);
    const { tokens } = await staffTokens(t, ['comms', 'supervisor']);
    const incident = await openIncidentWithUpdate(t, tokens as Record<string, string>);
    const sub = await subs.subscribe(incident.incidentId, 'email', 'other@example.com', 'en', '203.0.113.9');
    await agent
      .post(`/account/updates/${sub.id}/unsubscribe`)
      .type('form')
      .send({ _csrf: token })
      .expect(404);
    expect(
      (await t.db.query(`SELECT status FROM status_subscriptions WHERE id = $1`, [sub.id]))[0].status,
    ).toBe('pending');
    // none of their data on my pages
    for (const path of [
      '/account',
      '/account/messages',
      '/account/offers',
      '/account/number-change',
      '/account/updates',
    ]) {
      const page = await agent.get(path).expect(200);
      expect(page.text).not.toContain('Their credit');
      expect(page.text).not.toContain(theirs.id);
      expect(page.text).not.toContain(sub.id!);
      expect(page.text).not.toContain(other.msisdn.slice(-6));
    }
  });

  it('lists my own update subscriptions and unsubscribes one, naming the incident', async () => {
    const subs = t.get<SubscriptionsService>(SubscriptionsService);
    const { tokens } = await staffTokens(t, ['comms', 'supervisor']);
    const incident = await openIncidentWithUpdate(t, tokens as Record<string, string>);
    const mine = await subs.subscribe(incident.incidentId, 'sms', affected.msisdn, 'en', '203.0.113.10');
    const agent = browserAgent(t);
    await signInThroughPages(t, agent, affected.msisdn);
    const page = await agent.get('/account/updates').expect(200);
    expect(page.text).toContain(`/account/updates/${mine.id}/unsubscribe`);
    const done = await agent
      .post(`/account/updates/${mine.id}/unsubscribe`)
      .type('form')
      .send({ _csrf: csrfOf(page.text) })
      .expect(200);
    expect(done.text).toContain('You will not get further updates about');
    expect(
      (await t.db.query(`SELECT status FROM status_subscriptions WHERE id = $1`, [mine.id]))[0].status,
    ).toBe('unsubscribed');
  });

  it('ends an idle session, and signing out ends it at once', async () => {
    const agent = browserAgent(t);
    await signInThroughPages(t, agent, affected.msisdn);
    const page = await agent.get('/account').expect(200);
    const out = await agent
      .post('/account/sign-out')
      .type('form')
      .send({ _csrf: csrfOf(page.text) })
      .expect(200);
    expect(out.text).toContain('You have signed out.');
    expect(
      (out.headers['set-cookie'] as unknown as string[]).some((c) => /candor_customer=;.*Max-Age=0/.test(c)),
    ).toBe(true);
    expect((await agent.get('/account').expect(303)).headers.location).toBe('/account/sign-in');

    const idle = browserAgent(t);
    await signInThroughPages(t, idle, affected.msisdn);
    const clock = t.get<Clock>(Clock);
    clock.travelTo(new Date(Date.now() + 10 * 60_000));
    await idle.get('/account').expect(200); // used within 15 minutes: still signed in, and the idle clock restarts
    clock.travelTo(new Date(Date.now() + 24 * 60_000));
    await idle.get('/account').expect(200);
    clock.travelTo(new Date(Date.now() + 40 * 60_000)); // 16 minutes without a request
    expect((await idle.get('/account').expect(303)).headers.location).toBe('/account/sign-in');
    clock.reset();
  });

  it('serves HTML 404 pages to browsers in their language, JSON to API clients', async () => {
    const en = await browserAgent(t).get('/no-such-page').expect(404);
    expect(en.headers['content-type']).toMatch(/^text\/html/);
    expect(en.text).toContain('We could not find that page');
    expect(en.text).toContain('href="/"');
    const cy = await browserAgent(t)
      .get('/status/incidents/00000000-0000-4000-8000-000000000000?lang=cy')
      .expect(404);
    expect(cy.text).toContain('<html lang="cy">');
    expect(cy.text).toContain('Ni allem ddod o hyd i&#x27;r dudalen honno');
    const welshBrowser = await browserAgent(t).get('/nope').set('Accept-Language', 'cy,en;q=0.5').expect(404);
    expect(welshBrowser.text).toContain('<html lang="cy">');
    const api = await t.http().get('/no-such-page').expect(404);
    expect(api.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const json = await t.http().get('/no-such-page').set('Accept', 'application/json').expect(404);
    expect(json.body.statusCode).toBe(404);
  });

  it('renders a 500 for a browser as a page in its language, with the request id and a way back', () => {
    const pages = t.get<ErrorPages>(ErrorPages);
    const cy = pages.answer({ url: '/status?lang=cy', headers: {} }, 500, 'req-500-cy') as { html: string };
    expect(cy.html).toContain('<html lang="cy">');
    expect(cy.html).toContain('aeth rhywbeth o&#x27;i le');
    expect(cy.html).toContain('req-500-cy');
    expect(cy.html).toMatch(/href="\/\?lang(=|&#x3D;)cy"/);
    const en = pages.answer(
      { url: '/account/messages', headers: { 'accept-language': 'en-GB' } },
      500,
      'req-500-en',
    ) as { html: string };
    expect(en.html).toContain('Sorry, something went wrong');
    expect(en.html).toContain('href="/account"');
    expect(en.html).not.toContain('aeth rhywbeth');
  });

  it('words sign-in and access errors for customers only on customer pages; staff and API routes get generic ones', async () => {
    const staff = await browserAgent(t).get('/incidents').expect(401);
    expect(staff.headers['content-type']).toMatch(/^text\/html/);
    expect(staff.text).toContain('You need to be signed in to see this page.');
    expect(staff.text).not.toContain('customers');
    const cy = await browserAgent(t).get('/campaigns?lang=cy').expect(401);
    expect(cy.text).toContain('Mae angen i chi fewngofnodi i weld y dudalen hon.');
    expect(cy.text).not.toContain('cwsmeriaid');
    // Signed in without the role a staff route needs: generic words too.
    const { tokens } = await staffTokens(t, ['support']);
    const forbidden = await browserAgent(t)
      .get('/audit')
      .set('Authorization', `Bearer ${tokens.support}`)
      .expect(403);
    expect(forbidden.text).toContain('You do not have access to this page.');
    expect(forbidden.text).not.toContain('This form has expired');
  });

  it('serves the home page in both languages with the official contact', async () => {
    const en = await browserAgent(t).get('/').expect(200);
    expect(en.text).toContain('href="/account"');
    expect(en.text).toContain('href="/not-me"');
    expect(en.text).toContain('Call 0800 123 4567 free'); // OFFICIAL_CONTACTS' first number
    const cy = await browserAgent(t).get('/?lang=cy').expect(200);
    expect(cy.text).toContain('<html lang="cy">');
    expect(cy.text).toContain('href="/account?lang&#x3D;cy"');
  });
});
