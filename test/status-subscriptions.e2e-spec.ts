import { SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscriptionsService } from '../src/status-page/subscriptions.service';
import { startTestApp, TestApp } from './helpers/app';
import { openIncidentWithUpdate, publishUpdate } from './helpers/incidents';
import { count, staffTokens } from './helpers/staff';

/** Subscriptions end to end: what people receive is read at the SMTP sink and the Twilio sandbox. */
describe('status page subscriptions: double opt-in, SMS code, fan-out, one-click unsubscribe', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let incidentId: string;
  let mail: SmtpSink;
  let sms: TwilioSandbox;

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens } = await staffTokens(t));
    mail = t.get(SmtpSink);
    sms = t.get(TwilioSandbox);
    ({ incidentId } = await openIncidentWithUpdate(t, tokens));
  });
  afterAll(() => t?.close());

  const subscribe = (channel: string, address: string, locale = 'en') =>
    t
      .http()
      .post(`/status/incidents/${incidentId}/subscribe`)
      .type('form')
      .send({ channel, address, locale });
  const mailTo = async (to: string, n = 1) =>
    (await mail.messages.waitFor((all) => all.filter((m) => m.envelopeTo.includes(to)).length >= n)).filter(
      (m) => m.envelopeTo.includes(to),
    );
  const textsTo = async (to: string, n = 1) =>
    (await sms.messages.waitFor((all) => all.filter((m) => m.to === to).length >= n)).filter(
      (m) => m.to === to,
    );
  const link = (text: string, path: string) =>
    new URL(text.match(new RegExp(`https?://\\S+${path}\\S*`))![0]);

  it('confirms an email subscription only through the link (double opt-in)', async () => {
    const res = await subscribe('email', 'Reader@Example.com').expect(202);
    expect(res.text).toContain('Check your email');
    const [confirmation] = await mailTo('reader@example.com');
    expect(confirmation.parsed.subject).toBe(
      'Confirm your updates about: Mobile numbers shared with websites',
    );
    const url = link(confirmation.parsed.text!, '/confirm');
    const token = url.searchParams.get('token')!;
    const id = url.pathname.split('/')[3];

    // following the link shows a button; it does not confirm by itself (mail scanners follow links)
    const page = await t.http().get(`${url.pathname}${url.search}`).expect(200);
    expect(page.text).toContain(`action="/status/subscriptions/${id}/confirm"`);
    expect(await count(t.db, `SELECT count(*) n FROM status_subscriptions WHERE status = 'confirmed'`)).toBe(
      0,
    );

    await t
      .http()
      .post(`/status/subscriptions/${id}/confirm`)
      .type('form')
      .send({ token: 'wrong' })
      .expect(400);
    const ok = await t
      .http()
      .post(`/status/subscriptions/${id}/confirm`)
      .type('form')
      .send({ token })
      .expect(200);
    expect(ok.text).toContain('You are subscribed');
    // a second click on the same link says so (not "subscribe again"), and changes nothing
    const again = await t
      .http()
      .post(`/status/subscriptions/${id}/confirm`)
      .type('form')
      .send({ token })
      .expect(200);
    expect(again.text).toContain('You are already subscribed');
    // another token is still refused (its first character always differs from the real one)
    const forged = (token.startsWith('x') ? 'y' : 'x') + token.slice(1);
    await t
      .http()
      .post(`/status/subscriptions/${id}/confirm`)
      .type('form')
      .send({ token: forged })
      .expect(400);
  });

  it('confirms an SMS subscription with the texted code, within 5 attempts', async () => {
    const res = await subscribe('sms', '07911 123456', 'cy').expect(202);
    expect(res.text).toContain('<html lang="cy">');
    const [text] = await textsTo('+447911123456');
    expect(text.body).toMatch(/^Eich cod i gadarnhau diweddariadau/);
    expect(text.body).toContain('Rhifau ffôn symudol wedi’u rhannu â gwefannau'); // the Welsh title
    const code = text.body.match(/\b(\d{6})\b/)![1];
    const id = res.text.match(/action="\/status\/subscriptions\/([0-9a-f-]{36})\/confirm"/)![1];
    const wrong = code === '000000' ? '111111' : '000000';
    await t
      .http()
      .post(`/status/subscriptions/${id}/confirm`)
      .type('form')
      .send({ code: wrong, locale: 'cy' })
      .expect(400);
    await t.http().post(`/status/subscriptions/${id}/confirm`).type('form').send({ code }).expect(200);

    // a second number: five wrong guesses (in parallel) burn the code, the right one then fails
    const other = await subscribe('sms', '07912 345678').expect(202);
    const otherId = other.text.match(/subscriptions\/([0-9a-f-]{36})\/confirm/)![1];
    const otherCode = (await textsTo('+447912345678'))[0].body.match(/\b(\d{6})\b/)![1];
    const guesses = ['100000', '200000', '300000', '400000', '500000', '600000']
      .filter((g) => g !== otherCode)
      .slice(0, 5);
    await Promise.all(
      guesses.map((g) =>
        t.http().post(`/status/subscriptions/${otherId}/confirm`).type('form').send({ code: g }),
      ),
    );
    await t
      .http()
      .post(`/status/subscriptions/${otherId}/confirm`)
      .type('form')
      .send({ code: otherCode })
      .expect(400);
  });

  it('refuses an invalid address with a readable page, and limits repeated requests', async () => {
    const bad = await subscribe('sms', '12345').expect(400);
    expect(bad.text).toContain('Enter a valid email address or UK mobile number.');
    await subscribe('email', 'not-an-email').expect(400);
    for (let i = 0; i < 3; i++) await subscribe('email', 'spam@example.com').expect(202);
    await subscribe('email', 'spam@example.com').expect(429);
    await t
      .http()
      .post('/status/incidents/00000000-0000-4000-8000-000000000000/subscribe')
      .type('form')
      .send({ channel: 'email', address: 'a@example.com' })
      .expect(404);
  });

  it('sends every published update to every confirmed subscriber once, then one click unsubscribes', async () => {
    expect(await count(t.db, `SELECT count(*) n FROM status_subscriptions WHERE status = 'confirmed'`)).toBe(
      2,
    );
    const updateId = await publishUpdate(t, tokens, incidentId, { template: 'identified' });

    const [email] = (await mailTo('reader@example.com', 2)).slice(1);
    expect(email.parsed.subject).toBe('Mobile numbers shared with websites: Cause identified');
    expect(email.parsed.text).toContain(
      'We have found the cause of the problem affecting mobile web browsing',
    );
    expect(email.parsed.text).toMatch(/Next update by \w+day \d+ \w+ at \d\d:\d\d/);
    // RFC 8058 headers, as a mail client sees them
    const unsubscribeUrl = email.raw.match(/^List-Unsubscribe:\s*<([^>]+)>/m)![1];
    expect(unsubscribeUrl).toContain('/unsubscribe?token=');
    expect(email.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);

    const [, update] = await textsTo('+447911123456', 2);
    expect(update.body).toMatch(
      /^Rhifau ffôn symudol wedi’u rhannu â gwefannau: Achos wedi’i ganfod\. Darllenwch: http\S+\?lang=cy/,
    );

    // a second run (a retried job) sends nothing new: the dedupe key is update + subscription
    expect(await t.get<SubscriptionsService>(SubscriptionsService).fanOut(updateId)).toBe(2);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await mailTo('reader@example.com')).length).toBe(2);
    expect((await textsTo('+447911123456')).length).toBe(2);
    expect(
      await count(
        t.db,
        `SELECT count(*) n FROM status_fanouts WHERE update_id = $1 AND done_at IS NOT NULL AND sent = 2`,
        [updateId],
      ),
    ).toBe(1);

    // RFC 8058 one-click unsubscribe, as a mail client does it
    const unsub = new URL(unsubscribeUrl);
    await t
      .http()
      .post(`${unsub.pathname}?token=bad`)
      .type('form')
      .send({ 'List-Unsubscribe': 'One-Click' })
      .expect(404);
    const named = await t.http().get(`${unsub.pathname}${unsub.search}`).expect(200);
    expect(named.text).toContain('Stop receiving updates about Mobile numbers shared with websites?');
    // the Welsh subscriber's link carries the language: the page names the incident in Welsh
    const [cy] = await t.db.query(
      `SELECT id FROM status_subscriptions WHERE locale = 'cy' AND status = 'confirmed'`,
    );
    const cyUrl = new URL(t.get<SubscriptionsService>(SubscriptionsService).unsubscribeUrl(cy.id, 'cy'));
    expect(cyUrl.search).toMatch(/&lang=cy$/);
    const cyPage = await t.http().get(`${cyUrl.pathname}${cyUrl.search}`).expect(200);
    expect(cyPage.text).toContain('<html lang="cy">');
    expect(cyPage.text).toContain('Rhifau ffôn symudol wedi’u rhannu â gwefannau');
    await t
      .http()
      .post(`${unsub.pathname}${unsub.search}`)
      .type('form')
      .send({ 'List-Unsubscribe': 'One-Click' })
      .expect(200);
    expect(await count(t.db, `SELECT count(*) n FROM status_subscriptions WHERE status = 'confirmed'`)).toBe(
      1,
    );

    await publishUpdate(t, tokens, incidentId, { template: 'no-change' });
    await textsTo('+447911123456', 3);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await mailTo('reader@example.com')).length).toBe(2);
  });
});
