import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { SmsProvider } from '../src/channels/sms-provider';
import { DeliveryCallbacksService } from '../src/notifications/delivery-callbacks.service';
import { NotificationsService } from '../src/notifications/notifications.service';
import { startTestApp, TestApp } from './helpers/app';
import { oneOffNoticeVars } from './helpers/notices';

jest.setTimeout(90_000);

/**
 * Twilio's delivery callbacks off the hot path: the webhook checks the signature and appends the callback; a
 * worker applies them in bulk. The app here is `CANDOR_ROLE=api` (no workers), so nothing applies the
 * callbacks behind the test's back: the test runs the worker's drain itself.
 */
describe('delivery callbacks: recorded by the webhook, applied in bulk', () => {
  let t: TestApp;
  let callbacks: DeliveryCallbacksService;
  let notifications: NotificationsService;

  beforeAll(async () => {
    t = await startTestApp({ CANDOR_ROLE: 'api' });
    callbacks = t.get(DeliveryCallbacksService);
    notifications = t.get(NotificationsService);
  });
  afterAll(() => t?.close());
  beforeEach(() => t.db.query(`DELETE FROM delivery_callbacks`)); // a failed test leaves none behind

  const signed = (app: TestApp, path: string, params: Record<string, string>, signature?: string) =>
    app
      .http()
      .post(path)
      .type('form')
      .set(
        'x-twilio-signature',
        signature ??
          getExpectedTwilioSignature(
            app.get<SmsProvider>(SmsProvider).authToken,
            app.env.PUBLIC_BASE_URL + path,
            params,
          ),
      )
      .send(params);
  const callback = (id: string, sid: string, MessageStatus: string, extra: Record<string, string> = {}) =>
    signed(t, `/webhooks/twilio/status?m=${id}`, { MessageSid: sid, MessageStatus, ...extra });
  const row = async (id: string) =>
    (
      await t.db.query(`SELECT status, provider_id, error_code, delivered_at FROM messages WHERE id = $1`, [
        id,
      ])
    )[0];
  const recorded = async () => Number((await t.db.query(`SELECT count(*) n FROM delivery_callbacks`))[0].n);
  let n = 0;
  const message = async () =>
    (
      await notifications.send({
        kind: 'breach-notice',
        channel: 'sms',
        to: `0791120${String(++n).padStart(4, '0')}`,
        vars: oneOffNoticeVars(t.env.PUBLIC_BASE_URL, 'Sam'),
        dedupeKey: `cb-${n}`,
      })
    ).id;

  it('answers a signed callback at once without touching the outbox; the drain applies the strongest status per message', async () => {
    const [a, b, c] = [await message(), await message(), await message()];
    await callback(a, 'SMa', 'sent').expect(204);
    await callback(a, 'SMa', 'delivered').expect(204);
    await callback(b, 'SMb', 'delivered').expect(204);
    await callback(b, 'SMb', 'sent').expect(204); // out of order: must not undo "delivered"
    await callback(c, 'SMc', 'undelivered', { ErrorCode: '30003' }).expect(204);
    // not ours to track: an interim status, a malformed message id, no sid: answered, nothing recorded
    await callback(a, 'SMa', 'queued').expect(204);
    await signed(t, `/webhooks/twilio/status?m=1e9`, { MessageSid: 'SMx', MessageStatus: 'sent' }).expect(
      204,
    );
    await signed(t, `/webhooks/twilio/status?m=${a}`, { MessageStatus: 'sent' }).expect(204);

    expect(await recorded()).toBe(5);
    for (const id of [a, b, c]) expect((await row(id)).status).toBe('pending'); // the request applied nothing (no worker in this role)

    expect(await callbacks.drain()).toEqual({ taken: 5, applied: 3 });
    expect(await recorded()).toBe(0);
    expect(await row(a)).toMatchObject({ status: 'delivered', provider_id: 'SMa' });
    expect((await row(a)).delivered_at).not.toBeNull();
    expect(await row(b)).toMatchObject({ status: 'delivered', provider_id: 'SMb' });
    expect(await row(c)).toMatchObject({ status: 'undelivered', provider_id: 'SMc', error_code: '30003' });

    // later batches: a late "sent" changes nothing, nor does a callback naming another message's sid
    await callback(a, 'SMa', 'sent').expect(204);
    await callback(b, 'SMother', 'failed').expect(204);
    expect(await callbacks.drain()).toEqual({ taken: 2, applied: 0 });
    expect(await row(a)).toMatchObject({ status: 'delivered', provider_id: 'SMa' });
    expect(await row(b)).toMatchObject({ status: 'delivered', provider_id: 'SMb' });
  });

  it('refuses a forged or unsigned callback (403) and records nothing', async () => {
    const id = await message();
    const forged = await signed(
      t,
      `/webhooks/twilio/status?m=${id}`,
      { MessageSid: 'SMf', MessageStatus: 'failed' },
      'forged',
    );
    expect(forged.status).toBe(403);
    const unsigned = await t
      .http()
      .post(`/webhooks/twilio/status?m=${id}`)
      .type('form')
      .send({ MessageSid: 'SMf', MessageStatus: 'failed' });
    expect(unsigned.status).toBe(403);
    expect(await recorded()).toBe(0);
    expect((await row(id)).status).toBe('pending');
  });

  it('records a burst of concurrent callbacks, each once, and applies them all in one drain', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await message());
    const answers = await Promise.all(
      ids.flatMap((id) => [callback(id, `SM${id}`, 'sent'), callback(id, `SM${id}`, 'delivered')]),
    );
    expect(answers.map((r) => r.status)).toEqual(ids.flatMap(() => [204, 204]));
    expect(await recorded()).toBe(80);
    expect(await callbacks.drain()).toEqual({ taken: 80, applied: 40 });
    const statuses = await t.db.query(`SELECT DISTINCT status FROM messages WHERE id = ANY($1::bigint[])`, [
      ids,
    ]);
    expect(statuses).toEqual([{ status: 'delivered' }]);
  });

  it('CANDOR_ROLE=webhooks serves the callbacks (and health, metrics) and nothing else', async () => {
    const hooks = await startTestApp({ CANDOR_ROLE: 'webhooks' }, { dbUrl: t.dbUrl });
    try {
      const id = await message();
      await signed(hooks, `/webhooks/twilio/status?m=${id}`, {
        MessageSid: 'SMw',
        MessageStatus: 'delivered',
      }).expect(204);
      await signed(
        hooks,
        `/webhooks/twilio/status?m=${id}`,
        { MessageSid: 'SMw', MessageStatus: 'sent' },
        'bad',
      ).expect(403);
      expect(await recorded()).toBe(1);
      for (const path of ['/status', '/status.json', '/', '/incidents', '/auth/me', '/console'])
        expect({ path, status: (await hooks.http().get(path)).status }).toEqual({ path, status: 404 });
      expect((await hooks.http().post('/auth/login').send({ email: 'a@b.c', password: 'x' })).status).toBe(
        404,
      );
      expect((await hooks.http().get('/metrics')).status).toBe(200);
      expect((await hooks.http().get('/health')).status).toBe(200);
      // the api process still serves its pages
      expect((await t.http().get('/status')).status).toBe(200);
      expect(await callbacks.drain()).toEqual({ taken: 1, applied: 1 });
      expect((await row(id)).status).toBe('delivered');
    } finally {
      await hooks.close();
    }
  });
});
