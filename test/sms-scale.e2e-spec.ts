import { NotificationsService } from '../src/notifications/notifications.service';
import { ProviderError } from '../src/channels/provider-error';
import { TwilioSmsProvider } from '../src/channels/sms-provider';
import { Clock } from '../src/platform/clock/clock';
import { SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { TemplateRegistry } from '../src/notifications/templates/template-registry';
import { startTestApp, TestApp } from './helpers/app';
import { openIncidentWithUpdate } from './helpers/incidents';
import { NOTICE_VARS, oneOffNoticeVars } from './helpers/notices';
import { staffTokens } from './helpers/staff';

jest.setTimeout(240_000);

const MG = 'MG' + 'b'.repeat(32);
const NOON = new Date('2026-12-03T12:00:00Z');

/**
 * National-scale SMS against the Twilio sandbox's account model, through the real twilio client: a pool of two
 * senders paced in segments, every class of Twilio error with its action, ValidityPeriod, de-duplicated
 * callbacks, email_first, and the preview's ETA and warnings. Real Postgres, Redis and SMTP.
 */
describe('SMS at national scale: sender pool, error classes, validity, callbacks', () => {
  let t: TestApp;
  let sms: TwilioSandbox;
  let mail: SmtpSink;
  let tokens: Record<string, string>;
  let notifications: NotificationsService;
  let subs: SubscribersService;
  let clock: Clock;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp(
      {
        SWEEP_INTERVAL_SECONDS: '1',
        SEND_STALE_SECONDS: '2',
        SMS_SENDERS: 'Candor:600,Backup:400',
        SMS_QUIET_HOURS: '21:00-08:00', // the tests pick the instant (Clock)
      },
      undefined,
      { listen: true },
    );
    sms = t.get(TwilioSandbox);
    mail = t.get(SmtpSink);
    ({ tokens } = await staffTokens(t));
    notifications = t.get(NotificationsService);
    subs = t.get(SubscribersService);
    clock = t.get(Clock);
    clock.travelTo(NOON);
  });
  afterAll(() => t?.close());
  afterEach(() => {
    Object.assign(sms.account, {
      senderRates: {},
      queueSegments: undefined,
      maxRequestsPerSecond: 0,
      duplicateCallbacks: false,
    });
    sms.failures.clear();
    sms.deliveryFailures.clear();
    sms.callbackStatuses = ['sent', 'delivered'];
    clock.travelTo(NOON); // daytime, whatever the hour the tests run at
  });

  const auth = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
  const number = () => `+4479123${String(seq++).padStart(5, '0')}`;
  const row = async (id: string) =>
    (await t.db.query(`SELECT status, error_code, attempts FROM messages WHERE id = $1`, [id]))[0];
  /** Polls `what` until `ok`; a timeout says what it waited for (the predicate) and the last value seen. */
  const waitFor = async <T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 90_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await what();
      if (ok(v)) return v;
      if (Date.now() > end)
        throw new Error(`timed out after ${ms} ms waiting for ${String(ok)}; last: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const waitStatus = (id: string, want: string[]) =>
    waitFor(
      () => row(id),
      (r) => want.includes(r.status),
    );
  /** The breach notice (2 segments in English) as a one-off SMS. */
  const notice = (to: string) =>
    notifications.send({
      kind: 'breach-notice',
      channel: 'sms',
      to,
      vars: oneOffNoticeVars(t.env.PUBLIC_BASE_URL, 'Sam'),
      dedupeKey: `scale-${to}-${seq++}`,
    });
  const at = (to: string) => sms.messages.filter((m) => m.to === to);

  async function campaign(n: number, extra: Record<string, unknown> = {}, withEmail = (_i: number) => false) {
    const prefix = `S${seq++}`;
    const numbers: string[] = [];
    for (let i = 0; i < n; i++) {
      const msisdn = number();
      numbers.push(msisdn);
      await subs.upsert({
        accountId: `${prefix}-${i}`,
        msisdn,
        email: withEmail(i) ? `${prefix.toLowerCase()}-${i}@example.net` : null,
        firstName: `P${i}`,
        locale: 'en',
      });
    }
    const c = await t
      .http()
      .post('/campaigns')
      .set(auth('comms'))
      .send({
        name: `Scale ${prefix}`,
        kind: 'breach-notice',
        audienceType: 'csv',
        channelPolicy: 'sms',
        vars: NOTICE_VARS,
        ignoreQuietHours: true,
        ...extra,
      })
      .expect(201);
    const id = c.body.id as string;
    await t
      .http()
      .post(`/campaigns/${id}/audience`)
      .set(auth('comms'))
      .set('content-type', 'text/csv')
      .send('account_id\n' + numbers.map((_, i) => `${prefix}-${i}`).join('\n'))
      .expect(201);
    await t.http().post(`/campaigns/${id}/approve`).set(auth('supervisor')).expect(200);
    return {
      id,
      numbers,
      start: () => t.http().post(`/campaigns/${id}/start`).set(auth('comms')).expect(200),
    };
  }
  /** How many of a campaign's messages are in `status`. */
  const inState = async (id: string, status: string) =>
    (
      await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND status = $2`, [
        id,
        status,
      ])
    )[0].n as number;
  const campaignStatus = async (id: string) =>
    (await t.db.query(`SELECT status FROM campaigns WHERE id = $1`, [id]))[0].status as string;

  describe('the sender pool', () => {
    it('spreads a campaign over the senders in proportion to their segment rates, each message once', async () => {
      const c = await campaign(50);
      await c.start();
      await sms.messages.waitFor(
        () => c.numbers.every((n) => at(n).length > 0),
        90_000,
        'a text to each of the 50 numbers',
      );
      const got = c.numbers.map((n) => at(n));
      expect(got.every((x) => x.length === 1)).toBe(true);
      const from = got.map((x) => x[0].from);
      expect(new Set(from)).toEqual(new Set(['Candor', 'Backup']));
      expect(from.filter((f) => f === 'Candor').length).toBeGreaterThan(
        from.filter((f) => f === 'Backup').length,
      );
      expect(got.every((x) => x[0].numSegments === 2)).toBe(true);
    });
  });

  describe('every class of Twilio error, at the sandbox', () => {
    it('retry: 429 under a burst of requests is retried; every message arrives once', async () => {
      sms.account.maxRequestsPerSecond = 1;
      const to = [number(), number(), number()];
      const sent = await Promise.all(to.map((n) => notice(n)));
      for (const s of sent) await waitStatus(s.id, ['sent', 'delivered']);
      expect(sms.refused.get(20429)).toBeGreaterThanOrEqual(1);
      for (const n of to) expect(at(n)).toHaveLength(1);
    });

    it('retry_later: a sender whose queue is full answers 21611; the message is retried once it drains', async () => {
      // each sender holds 2 segments (one breach notice) and drains 1 segment a second
      Object.assign(sms.account, { senderRates: { Candor: 1, Backup: 1 }, queueSegments: 2 });
      const to = [number(), number(), number()];
      const sent = await Promise.all(to.map((n) => notice(n)));
      for (const s of sent) await waitStatus(s.id, ['sent', 'delivered']);
      expect(sms.refused.get(21611)).toBeGreaterThanOrEqual(1);
      for (const n of to) expect(at(n)).toHaveLength(1);
      const retried = await Promise.all(sent.map((s) => row(s.id)));
      expect(Math.max(...retried.map((r) => r.attempts))).toBeGreaterThanOrEqual(2);
    });

    it('retry_later: a Messaging Service whose queue is full fails the message with 30001 (at the wire)', async () => {
      Object.assign(sms.account, { senderRates: { [MG]: 1 }, queueSegments: 2 });
      const provider = new TwilioSmsProvider({
        accountSid: sms.accountSid,
        authToken: sms.authToken,
        from: 'Candor',
        baseUrl: sms.url,
      });
      const body = 'x'.repeat(200); // 2 segments
      const first = await provider.send({ to: number(), body, from: MG });
      expect(sms.messages.find((m) => m.sid === first.providerId)!.from).toBe(MG);
      const err = await provider.send({ to: number(), body, from: MG }).catch((e) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect([err.code, err.action, err.rateLimitMs]).toEqual(['twilio:30001', 'retry_later', 5000]);
    });

    it('retry_later at delivery (30003, 30008) and permanent (30005, 30006): recorded undelivered, never resent', async () => {
      const cases: Array<[string, number]> = [30003, 30008, 30005, 30006].map((code) => [number(), code]);
      for (const [n, code] of cases) sms.deliveryFailures.set(n, code);
      const sent = await Promise.all(cases.map(([n]) => notice(n)));
      for (const [i, s] of sent.entries()) {
        expect(await waitStatus(s.id, ['undelivered'])).toMatchObject({ error_code: String(cases[i][1]) });
        expect(at(cases[i][0])).toHaveLength(1);
      }
    });

    it('permanent at the API (21211, 21614): recorded at once, one attempt', async () => {
      for (const code of [21211, 21614]) {
        const n = number();
        sms.failures.set(n, code);
        const s = await notice(n);
        expect(await waitStatus(s.id, ['failed'])).toMatchObject({
          error_code: `twilio:${code}`,
          attempts: 1,
        });
      }
    });

    it('opt_out (21610): recorded, and the number is not texted again', async () => {
      const n = number();
      sms.failures.set(n, 21610);
      await waitStatus((await notice(n)).id, ['failed']);
      sms.failures.delete(n);
      expect(await waitStatus((await notice(n)).id, ['skipped'])).toMatchObject({ error_code: 'opted_out' });
    });

    it('content (30007): the campaign is paused and comms are alerted once, however many messages are filtered and however often Twilio retries the callback', async () => {
      // Each sender drains 1 segment a second and holds one notice: the first notice on each sender is accepted, the
      // others refused (21611) and retried, so the campaign is still sending when the filtered callbacks come.
      Object.assign(sms.account, {
        senderRates: { Candor: 1, Backup: 1 },
        queueSegments: 2,
        duplicateCallbacks: true,
      });
      const c = await campaign(6);
      for (const n of c.numbers) sms.deliveryFailures.set(n, 30007);
      await c.start();
      await waitFor(
        () => campaignStatus(c.id),
        (s) => s === 'paused',
      );
      // every message the sandbox accepted comes back undelivered (each callback twice, one token)
      const accepted = () => sms.messages.filter((m) => c.numbers.includes(m.to));
      await waitFor(
        () => inState(c.id, 'undelivered'),
        (n) => n >= 1 && n === accepted().length,
      );
      const audit = await t.db.query(
        `SELECT action, summary FROM audit_events WHERE target_id = $1 AND actor_id = 'provider'`,
        [c.id],
      );
      expect(audit).toEqual([
        {
          action: 'campaign.pause',
          summary: expect.objectContaining({ code: 'twilio:30007', action: 'content' }),
        },
      ]);
      const alerts = await mail.messages.waitFor(
        (all) => all.filter((m) => m.parsed.text?.includes(c.id)).length >= 2,
        60_000,
        "two alert emails naming the campaign (paused by the provider's 30007)",
      );
      const mine = alerts.filter((m) => m.parsed.text?.includes(c.id));
      expect(mine.map((m) => m.parsed.subject)).toEqual([
        expect.stringMatching(/^Campaign paused by the SMS provider/),
        expect.stringMatching(/^Campaign paused by the SMS provider/),
      ]); // comms and supervisor, once each
      expect(mine[0].parsed.text).toContain('30007');
      // the rows not yet accepted wait for a person to resume the campaign
      await waitFor(
        () => inState(c.id, 'pending'),
        (n) => n === 6 - accepted().length,
      );

      // A callback Twilio retries carries the same I-Twilio-Idempotency-Token: applied once, recorded once.
      const sid = accepted()[0].sid;
      const row0 = await t.db.query(`SELECT status, error_code FROM messages WHERE provider_id = $1`, [sid]);
      expect(await sms.callback(sid, 'undelivered', 30007, 'retried-token-1')).toBe(204);
      expect(await sms.callback(sid, 'undelivered', 30007, 'retried-token-1')).toBe(204);
      const tokens = await t.db.query(
        `SELECT token FROM twilio_callback_tokens WHERE token = 'retried-token-1'`,
      );
      expect(tokens).toHaveLength(1);
      // other callbacks may still be landing, so no count of all tokens: the row is as it was
      expect(
        await t.db.query(`SELECT status, error_code FROM messages WHERE provider_id = $1`, [sid]),
      ).toEqual(row0);
      expect(await campaignStatus(c.id)).toBe('paused');
    });

    it('content (30007) after the campaign finished: it cannot be paused, comms are told once', async () => {
      sms.callbackStatuses = ['sent']; // the carrier's verdict comes later
      const c = await campaign(2);
      await c.start();
      await waitFor(
        () => campaignStatus(c.id),
        (s) => s === 'completed',
      );
      const sids = c.numbers.map((n) => at(n)[0].sid);
      for (const sid of sids) expect(await sms.callback(sid, 'undelivered', 30007)).toBe(204);
      // callbacks are recorded at once and applied in bulk by the worker (off the hot path): wait for that
      const rows = await waitFor(
        () => t.db.query(`SELECT status, error_code FROM messages WHERE campaign_id = $1`, [c.id]),
        (r: Array<{ status: string }>) => r.every((x) => x.status === 'undelivered'),
        30_000,
      );
      expect(rows).toEqual([
        { status: 'undelivered', error_code: '30007' },
        { status: 'undelivered', error_code: '30007' },
      ]);
      expect(await campaignStatus(c.id)).toBe('completed');
      // the error class's action runs once per campaign and code, in its own transaction after the bulk apply
      const providerAudit = () =>
        t.db.query(
          `SELECT action, summary FROM audit_events WHERE target_id = $1 AND actor_id = 'provider'`,
          [c.id],
        );
      await waitFor(providerAudit, (a: unknown[]) => a.length > 0, 30_000);
      const told = await mail.messages.waitFor(
        (all) => all.filter((m) => m.parsed.text?.includes(c.id)).length >= 2,
        60_000,
        'the alert emails about the finished campaign',
      );
      expect(await providerAudit()).toEqual([
        {
          action: 'campaign.provider_refusal',
          summary: { code: 'twilio:30007', action: 'content', status: 'completed' },
        },
      ]);
      expect(told.filter((m) => m.parsed.text?.includes(c.id)).map((m) => m.parsed.subject)).toEqual([
        expect.stringMatching(/^SMS provider refused messages of a campaign no longer sending/),
        expect.stringMatching(/^SMS provider refused messages of a campaign no longer sending/),
      ]);
    });

    it('account (21606): the campaign is paused with the message held, and sends it once resumed', async () => {
      const c = await campaign(1);
      sms.failures.set(c.numbers[0], 21606);
      await c.start();
      await waitFor(
        () => campaignStatus(c.id),
        (s) => s === 'paused',
      );
      // the pause and the row's release are separate writes: wait for the row to settle (a loaded machine
      // showed it still 'sending' just after the campaign read 'paused')
      const m = await waitFor(
        async () =>
          (await t.db.query(`SELECT id, status, error_code FROM messages WHERE campaign_id = $1`, [c.id]))[0],
        (r) => r.status !== 'sending',
      );
      expect(m).toMatchObject({ status: 'pending', error_code: 'twilio:21606' });
      expect(at(c.numbers[0])).toHaveLength(0);
      sms.failures.delete(c.numbers[0]);
      await t.http().post(`/campaigns/${c.id}/resume`).set(auth('comms')).expect(200);
      await waitStatus(m.id, ['sent', 'delivered']);
      expect(at(c.numbers[0])).toHaveLength(1);
    });

    it('account (20003, 21408) stop a campaign the same way', async () => {
      for (const code of [20003, 21408]) {
        const c = await campaign(1);
        sms.failures.set(c.numbers[0], code);
        await c.start();
        await waitFor(
          () => campaignStatus(c.id),
          (s) => s === 'paused',
        );
        const m = await waitFor(
          async () =>
            (await t.db.query(`SELECT status, error_code FROM messages WHERE campaign_id = $1`, [c.id]))[0],
          (r) => r.status !== 'sending',
        );
        expect(m).toMatchObject({ status: 'pending', error_code: `twilio:${code}` });
      }
    });
  });

  describe('ValidityPeriod', () => {
    it('is sent to Twilio; a message that would wait in the sender queue beyond it fails with 30036', async () => {
      // each sender drains 1 segment a second: the second 2-segment notice on a sender waits 2 s > 1 s
      Object.assign(sms.account, { senderRates: { Candor: 1, Backup: 1 } });
      const c = await campaign(4, { validityPeriodSeconds: 1 });
      await c.start();
      const rows = await waitFor(
        () => t.db.query(`SELECT status, error_code FROM messages WHERE campaign_id = $1`, [c.id]),
        (rs: any[]) => rs.every((r) => ['delivered', 'failed'].includes(r.status)),
      );
      expect(
        rows.filter((r: any) => r.status === 'failed' && r.error_code === '30036').length,
      ).toBeGreaterThanOrEqual(1);
      expect(rows.filter((r: any) => r.status === 'delivered').length).toBeGreaterThanOrEqual(1);
      expect(sms.refused.get(30036)).toBeGreaterThanOrEqual(1);
    });

    it('a notice held past its window (quiet hours) fails instead of going out in the morning', async () => {
      clock.travelTo(new Date('2026-12-03T23:00:00Z')); // quiet hours: the SMS are held
      const c = await campaign(2, { validityPeriodSeconds: 3600, ignoreQuietHours: false });
      await c.start();
      const held = await t.db.query(`SELECT status FROM messages WHERE campaign_id = $1`, [c.id]);
      expect(held.map((r: any) => r.status)).toEqual(['pending', 'pending']);
      clock.travelTo(new Date('2026-12-04T09:00:00Z')); // morning: 10 hours later than the start
      const rows = await waitFor(
        () => t.db.query(`SELECT status, error_code FROM messages WHERE campaign_id = $1`, [c.id]),
        (rs: any[]) => rs.every((r) => r.status === 'failed'),
      );
      expect(rows.map((r: any) => r.error_code)).toEqual(['expired', 'expired']);
      for (const n of c.numbers) expect(at(n)).toHaveLength(0);
    });
  });

  describe('email_first and the preview', () => {
    it('email_first: email to everyone with an address, SMS to the rest; ETA from the pool and warnings', async () => {
      clock.travelTo(new Date('2026-12-03T10:00:00Z'));
      const c = await campaign(6, { channelPolicy: 'email_first' }, (i) => i < 4);
      const p = (await t.http().get(`/campaigns/${c.id}/preview`).set(auth('comms')).expect(200)).body;
      expect(p.messages).toEqual({ sms: 2, email: 4 });
      expect(p.smsSegments).toBe(4);
      expect(p.segmentsPerSecond).toBe(1000);
      expect(p.senders).toEqual([
        { sender: 'Candor', segmentsPerSecond: 600 },
        { sender: 'Backup', segmentsPerSecond: 400 },
      ]);
      expect(p.etaSeconds.sms).toBe(1); // 4 segments at 970/s
      expect(p.warnings).toEqual([]);
      await c.start();
      await sms.messages.waitFor(
        () => c.numbers.slice(4).every((n) => at(n).length === 1),
        60_000,
        'a text to each of the 2 customers without an email',
      );
      expect(c.numbers.slice(0, 4).every((n) => at(n).length === 0)).toBe(true);
    });

    it('warns when the SMS comes to 3 segments, and counts every segment into the cost and the ETA', async () => {
      // A notice about a named incident links to the incident's own page (filled in by Candor): that longer link
      // makes the English breach notice 3 segments.
      const templates = t.get<TemplateRegistry>(TemplateRegistry);
      const { incidentId } = await openIncidentWithUpdate(t, tokens);
      const incidentUrl = `${t.env.PUBLIC_BASE_URL}/status/incidents/${incidentId}`;
      const vars = templates.sampleVars('breach-notice', oneOffNoticeVars(t.env.PUBLIC_BASE_URL, 'P0'));
      expect(templates.render('breach-notice', 'en', 'sms', { ...vars, incidentUrl }).sms!.segments).toBe(3);
      const c = await campaign(3, { incidentId });
      const p = (await t.http().get(`/campaigns/${c.id}/preview`).set(auth('comms')).expect(200)).body;
      expect(p.perLocale).toEqual([
        { channel: 'sms', locale: 'en', count: 3, segments: 3, encoding: 'GSM-7' },
      ]);
      expect(p.smsSegments).toBe(9);
      expect(p.costPence).toBe(9 * 3); // SMS_COST_PENCE_PER_SEGMENT
      expect(p.warnings).toEqual([expect.stringMatching(/^sms\/en: 3 segments a message/)]);
      expect(p.etaSeconds.sms).toBe(1);
    });

    it('counts quiet hours into the SMS ETA of a campaign that respects them', async () => {
      clock.travelTo(new Date('2026-12-03T21:30:00Z')); // quiet hours (21:00-08:00 GMT)
      const c = await campaign(1, { ignoreQuietHours: false });
      const p = (await t.http().get(`/campaigns/${c.id}/preview`).set(auth('comms')).expect(200)).body;
      expect(p.etaSeconds.sms).toBe(10.5 * 3600 + 1); // nothing until 08:00, then 2 segments at 970/s
      const urgent = await campaign(1, { ignoreQuietHours: true });
      const q = (await t.http().get(`/campaigns/${urgent.id}/preview`).set(auth('comms')).expect(200)).body;
      expect(q.etaSeconds.sms).toBe(1);
    });
  });
});
