import { OutboundMessage, OutboundMessages } from '../src/incidents/outbound';
import { SubscriptionsService } from '../src/status-page/subscriptions.service';
import { startTestApp, TestApp } from './helpers/app';
import { openIncidentWithUpdate, publishUpdate } from './helpers/incidents';
import { count, staffTokens } from './helpers/staff';

describe('status page subscriptions: double opt-in, SMS code, fan-out, one-click unsubscribe', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let incidentId: string;
  const sent: OutboundMessage[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens } = await staffTokens(t));
    jest.spyOn(t.get<OutboundMessages>(OutboundMessages), 'queue').mockImplementation(async (_m, msg) => {
      sent.push(msg);
      return { id: String(sent.length), duplicate: false };
    });
    ({ incidentId } = await openIncidentWithUpdate(t, tokens));
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  const subscribe = (channel: string, address: string, locale = 'en') =>
    t
      .http()
      .post(`/status/incidents/${incidentId}/subscribe`)
      .type('form')
      .send({ channel, address, locale });
  const lastTo = (to: string) => [...sent].reverse().find((m) => m.to === to)!;

  async function waitFor<T>(f: () => T | undefined, ms = 10_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = f();
      if (v) return v;
      if (Date.now() > end) throw new Error('not in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('confirms an email subscription only through the link (double opt-in)', async () => {
    const res = await subscribe('email', 'Reader@Example.com').expect(202);
    expect(res.text).toContain('Check your email');
    const msg = lastTo('reader@example.com');
    expect(msg).toMatchObject({ kind: 'status_subscription_confirm', channel: 'email', locale: 'en' });
    const link = new URL(String(msg.vars.confirmUrl));
    const token = link.searchParams.get('token')!;
    const id = link.pathname.split('/')[3];

    // following the link shows a button; it does not confirm by itself (mail scanners follow links)
    const page = await t.http().get(`${link.pathname}${link.search}`).expect(200);
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
    // the token is single use
    await t.http().post(`/status/subscriptions/${id}/confirm`).type('form').send({ token }).expect(400);
  });

  it('confirms an SMS subscription with the texted code, within 5 attempts', async () => {
    const res = await subscribe('sms', '07911 123456', 'cy').expect(202);
    expect(res.text).toContain('<html lang="cy">');
    const msg = lastTo('+447911123456');
    expect(msg).toMatchObject({ kind: 'status_subscription_code', channel: 'sms', locale: 'cy' });
    const code = String(msg.vars.code);
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
    const otherCode = String(lastTo('+447912345678').vars.code);
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
    for (let i = 0; i < 2; i++) await subscribe('email', 'spam@example.com').expect(202);
    const limited = await subscribe('email', 'spam@example.com').expect(202);
    expect(limited.text).toContain('Check your email');
    await subscribe('email', 'spam@example.com').expect(429);
    await t
      .http()
      .post('/status/incidents/00000000-0000-4000-8000-000000000000/subscribe')
      .type('form')
      .send({ channel: 'email', address: 'a@example.com' })
      .expect(404);
  });

  it('sends every published update to every confirmed subscriber once, then one click unsubscribes', async () => {
    const confirmed = await t.db.query(
      `SELECT id, address FROM status_subscriptions WHERE status = 'confirmed' ORDER BY id`,
    );
    expect(confirmed).toHaveLength(2);
    const updateId = await publishUpdate(t, tokens, incidentId, { template: 'identified' });
    const deliveries = () => sent.filter((m) => m.kind === 'status_update' && m.dedupeKey.includes(updateId));
    await waitFor(() => (deliveries().length >= 2 ? true : undefined));
    expect(
      deliveries()
        .map((m) => m.to)
        .sort(),
    ).toEqual(['+447911123456', 'reader@example.com']);
    const welsh = deliveries().find((m) => m.to === '+447911123456')!;
    expect(welsh).toMatchObject({
      locale: 'cy',
      vars: expect.objectContaining({ body: expect.stringContaining('Rydym wedi dod o hyd') }),
    });
    // a second run (a retried job) produces the same dedupe keys, so the pipeline sends nothing new
    await t.get<SubscriptionsService>(SubscriptionsService).fanOut(updateId);
    expect(new Set(deliveries().map((m) => m.dedupeKey)).size).toBe(2);
    expect(
      await count(
        t.db,
        `SELECT count(*) n FROM incident_updates WHERE id = $1 AND subscribers_notified_at IS NOT NULL`,
        [updateId],
      ),
    ).toBe(1);

    // RFC 8058 one-click unsubscribe from the email's link
    const email = deliveries().find((m) => m.to === 'reader@example.com')!;
    const unsub = new URL(String(email.vars.unsubscribeUrl));
    await t
      .http()
      .post(`${unsub.pathname}?token=bad`)
      .type('form')
      .send({ 'List-Unsubscribe': 'One-Click' })
      .expect(404);
    await t.http().get(`${unsub.pathname}${unsub.search}`).expect(200);
    await t
      .http()
      .post(`${unsub.pathname}${unsub.search}`)
      .type('form')
      .send({ 'List-Unsubscribe': 'One-Click' })
      .expect(200);
    expect(await count(t.db, `SELECT count(*) n FROM status_subscriptions WHERE status = 'confirmed'`)).toBe(
      1,
    );

    const next = await publishUpdate(t, tokens, incidentId, { template: 'no-change' });
    await waitFor(() => (sent.some((m) => m.dedupeKey.includes(next)) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(sent.filter((m) => m.dedupeKey.includes(next)).map((m) => m.to)).toEqual(['+447911123456']);
  });
});
