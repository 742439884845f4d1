import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { NotificationsService } from '../src/notifications/notifications.service';
import { TemplateRegistry } from '../src/notifications/templates/template-registry';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SmtpSink } from '../src/sandbox/smtp-sink';
import { startTestApp, TestApp } from './helpers/app';
import { createCsvCampaign, uploadAudience } from './helpers/campaigns';
import { eventually } from './helpers/customer';
import { count, staffTokens } from './helpers/staff';
import { oneOffNoticeVars } from './helpers/notices';

jest.setTimeout(90_000);

/** Real Postgres, Redis, the Twilio sandbox (through the real twilio client) and a real SMTP server. */
describe('notifications: outbox, providers, webhooks, campaigns', () => {
  let t: TestApp;
  let sms: TwilioSandbox;
  let mail: SmtpSink;
  let tokens: Record<string, string>;
  let notifications: NotificationsService;
  let subs: SubscribersService;

  beforeAll(async () => {
    t = await startTestApp({ SWEEP_INTERVAL_SECONDS: '1', SEND_STALE_SECONDS: '2' }, undefined, {
      listen: true,
    });
    sms = t.get(TwilioSandbox);
    mail = t.get(SmtpSink);
    ({ tokens } = await staffTokens(t));
    notifications = t.get(NotificationsService);
    subs = t.get(SubscribersService);
  });
  afterAll(() => t?.close());

  const status = async (id: string) =>
    (await t.db.query(`SELECT status, error_code, attempts FROM messages WHERE id = $1`, [id]))[0];
  const waitForStatus = async (id: string, want: string[], ms = 15_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const s = await status(id);
      if (want.includes(s.status)) return s;
      if (Date.now() > end) throw new Error(`message ${id} is ${s.status}, wanted ${want.join('/')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const vars = () => oneOffNoticeVars(t.env.PUBLIC_BASE_URL, 'Sam');
  /** A one-off SMS (the breach notice's text) to `to`. */
  const notice = (to: string, key: string) =>
    notifications.send({ kind: 'breach-notice', channel: 'sms', to, vars: vars(), dedupeKey: key });

  describe('one-off messages', () => {
    it('sends an SMS once per dedupe key, through the real twilio client, and tracks delivery callbacks', async () => {
      const a = await notice('07911 100001', 'k-1');
      const b = await notice('+447911100001', 'k-1');
      expect(b).toEqual({ id: a.id, duplicate: true });
      await waitForStatus(a.id, ['delivered']);
      const got = sms.messages.filter((m) => m.to === '+447911100001');
      expect(got).toHaveLength(1);
      expect(got[0].body).toMatch(/verify\/[0-9A-Z]{4,}-[0-9A-Z]{6}/);
      const row = (
        await t.db.query(`SELECT provider_id, vars, sent_at FROM messages WHERE id = $1`, [a.id])
      )[0];
      expect(row.provider_id).toBe(got[0].sid);
      expect(row.vars).toBeNull(); // content variables are not kept once the message is final
    });

    it('refuses bad input clearly: unknown kind, missing variables, bad number or address', async () => {
      await expect(
        notifications.send({ kind: 'nope', channel: 'sms', to: '07911100002', vars: {}, dedupeKey: 'x1' }),
      ).rejects.toThrow(/unknown message kind/);
      await expect(
        notifications.send({
          kind: 'sms-help',
          channel: 'sms',
          to: '07911100002',
          vars: {},
          dedupeKey: 'x0',
        }),
      ).rejects.toThrow(/unknown message kind/);
      await expect(
        notifications.send({
          kind: 'breach-notice',
          channel: 'sms',
          to: '07911100002',
          vars: {},
          dedupeKey: 'x2',
        }),
      ).rejects.toThrow(/needs: firstName, incidentTitle, whatHappened/);
      await expect(notice('12345', 'x3')).rejects.toThrow(/valid phone/);
      await expect(
        notifications.send({
          kind: 'breach-notice',
          channel: 'email',
          to: 'not-an-email',
          vars: oneOffNoticeVars('c', 'a'),
          dedupeKey: 'x4',
        }),
      ).rejects.toThrow(/valid email/);
      expect(await count(t.db, `SELECT count(*) AS n FROM messages WHERE dedupe_key LIKE 'x%'`)).toBe(0);
    });

    it('records a permanent Twilio error without retrying, and retries a transient one with backoff', async () => {
      sms.failures.set('+447911100003', 21211);
      const bad = await notice('07911100003', 'k-perm');
      expect(await waitForStatus(bad.id, ['failed'])).toMatchObject({
        error_code: 'twilio:21211',
        attempts: 1,
      });

      sms.nextErrors.push(20429);
      const flaky = await notice('07911100004', 'k-transient');
      expect(await waitForStatus(flaky.id, ['sent', 'delivered'])).toMatchObject({ attempts: 2 });
      expect(sms.messages.filter((m) => m.to === '+447911100004')).toHaveLength(1);

      sms.failures.set('+447911100005', 21610); // unsubscribed at the carrier: remember the opt-out
      const unsub = await notice('07911100005', 'k-21610');
      await waitForStatus(unsub.id, ['failed']);
      const later = await notice('07911100005', 'k-21610-later');
      expect(await waitForStatus(later.id, ['skipped'])).toMatchObject({ error_code: 'opted_out' });
    });

    it('sends email as multipart text + HTML with a deterministic Message-ID; 5xx fails, 4xx retries', async () => {
      const vars = oneOffNoticeVars(t.env.PUBLIC_BASE_URL, 'Alex');
      const ok = await notifications.send({
        kind: 'breach-notice',
        channel: 'email',
        to: 'alex@example.org',
        locale: 'cy',
        vars,
        dedupeKey: 'e-1',
      });
      await waitForStatus(ok.id, ['sent']);
      const m = mail.messages.find((x) => x.envelopeTo.includes('alex@example.org'))!;
      expect(m.parsed.text).toContain('Annwyl Alex');
      expect(m.parsed.html).toContain('<p>Annwyl Alex,</p>');
      expect(m.parsed.messageId).toBe(`<m${ok.id}.tx@candor.test>`);
      expect(m.parsed.subject).toMatch(/beth ddigwyddodd a beth i'w wneud/);

      mail.failures.set('gone@example.org', 550);
      const gone = await notifications.send({
        kind: 'breach-notice',
        channel: 'email',
        to: 'gone@example.org',
        vars,
        dedupeKey: 'e-2',
      });
      expect(await waitForStatus(gone.id, ['failed'])).toMatchObject({ error_code: 'smtp:550', attempts: 1 });

      mail.transientFailuresLeft = 1;
      const later = await notifications.send({
        kind: 'breach-notice',
        channel: 'email',
        to: 'busy@example.org',
        vars,
        dedupeKey: 'e-3',
      });
      expect(await waitForStatus(later.id, ['sent'])).toMatchObject({ attempts: 2 });
    });
  });

  describe('webhooks', () => {
    const post = (path: string, params: Record<string, string>, signature?: string) =>
      t
        .http()
        .post(path)
        .type('form')
        .set(
          'x-twilio-signature',
          signature ?? getExpectedTwilioSignature(sms.authToken, t.env.PUBLIC_BASE_URL + path, params),
        )
        .send(params);

    it('rejects status callbacks with a bad or missing signature (403) and changes nothing', async () => {
      const { id } = await notice('07911100010', 'w-1');
      await waitForStatus(id, ['delivered']);
      const params = { MessageSid: 'SMxyz', MessageStatus: 'failed' };
      await post(`/webhooks/twilio/status?m=${id}`, params, 'forged').expect(403);
      await t.http().post(`/webhooks/twilio/status?m=${id}`).type('form').send(params).expect(403);
      expect((await status(id)).status).toBe('delivered');
    });

    it('applies callbacks idempotently and out of order: a late "sent" never undoes "delivered"', async () => {
      sms.callbackStatuses = []; // this test plays Twilio's callbacks itself
      try {
        const { id } = await notice('07911100011', 'w-2');
        await waitForStatus(id, ['sent']);
        const sid = sms.messages.find((m) => m.to === '+447911100011')!.sid;
        const path = `/webhooks/twilio/status?m=${id}`;
        // recorded by the webhook, applied by the worker in bulk: wait for the table to empty
        const applied = () =>
          eventually(
            async () => (await t.db.query(`SELECT 1 FROM delivery_callbacks LIMIT 1`)).length === 0,
            15_000,
            'the recorded callbacks to be applied',
          );
        await post(path, { MessageSid: sid, MessageStatus: 'delivered' }).expect(204);
        await applied();
        expect((await status(id)).status).toBe('delivered');
        await post(path, { MessageSid: sid, MessageStatus: 'sent' }).expect(204);
        await post(path, { MessageSid: sid, MessageStatus: 'delivered' }).expect(204);
        await applied();
        expect((await status(id)).status).toBe('delivered');
        // a callback naming another message's sid is ignored
        await post(path, { MessageSid: 'SM' + '1'.repeat(32), MessageStatus: 'failed' }).expect(204);
        await applied();
        expect((await status(id)).status).toBe('delivered');
      } finally {
        sms.callbackStatuses = ['sent', 'delivered'];
      }
    });

    it('honours STOP and START from any number, and answers HELP', async () => {
      const url = `${t.env.PUBLIC_BASE_URL}/webhooks/twilio/inbound`;
      const sub = await subs.upsert({ accountId: 'W-STOP', msisdn: '07911100012' });
      expect(await sms.inbound(url, '+447911100012', 'stop')).toContain('no more texts');
      expect((await subs.findById(sub.id))!.smsOptOut).toBe(true);
      const skipped = await notice('07911100012', 'w-3');
      expect(await waitForStatus(skipped.id, ['skipped'])).toMatchObject({ error_code: 'opted_out' });
      expect(await sms.inbound(url, '+447911100012', 'START')).toContain('receive our texts again');
      expect((await subs.findById(sub.id))!.smsOptOut).toBe(false);
      const sent = await notice('07911100012', 'w-4');
      await waitForStatus(sent.id, ['sent', 'delivered']);
      expect(await sms.inbound(url, '+447911100099', 'HELP')).toContain('/verify');
      const forged = await post('/webhooks/twilio/inbound', { From: '+447911100012', Body: 'STOP' }, 'bad');
      expect(forged.status).toBe(403);
    });
  });

  describe('verify a message', () => {
    it('confirms a genuine reference code without revealing the recipient; refuses forged ones', async () => {
      const { id } = await notifications.send({
        kind: 'breach-notice',
        channel: 'sms',
        to: '07911100020',
        vars: oneOffNoticeVars(t.env.PUBLIC_BASE_URL, 'Vi'),
        dedupeKey: 'v-1',
      });
      await waitForStatus(id, ['sent', 'delivered']);
      const body = sms.messages.find((m) => m.to === '+447911100020')!.body;
      const code = body.match(/verify\/([0-9A-Z]+-[0-9A-Z]+)/)![1];
      const ok = await t.http().get(`/verify/${code}`).set('Accept', 'application/json').expect(200);
      expect(ok.body).toMatchObject({ genuine: true, channel: 'sms' });
      expect(JSON.stringify(ok.body)).not.toMatch(/7911/);
      const forged = code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A');
      expect(
        (await t.http().get(`/verify/${forged}`).set('Accept', 'application/json').expect(200)).body,
      ).toEqual({ genuine: false });
      // the link itself, as a phone opens it: the page, never JSON
      const linked = await t.http().get(`/verify/${code}`).set('Accept', 'text/html').expect(200);
      expect(linked.headers['content-type']).toMatch(/^text\/html/);
      expect(linked.text).toContain('Genuine');
      const page = await t
        .http()
        .get(`/verify?code=${encodeURIComponent(code)}`)
        .expect(200);
      expect(page.text).toContain('Genuine');
      expect((await t.http().get('/verify?code=FAKE-CODE12').expect(200)).text).toContain('Not recognised');
    });
  });

  describe('sandbox inbox', () => {
    it('shows admins what the local sinks received, recipients masked', async () => {
      const { id } = await notice('07911100050', 'inbox-1');
      await waitForStatus(id, ['sent', 'delivered']);
      const res = await t
        .http()
        .get('/sandbox/sms')
        .set('authorization', `Bearer ${tokens.admin}`)
        .expect(200);
      const mine = res.body.find((m: any) => m.to === '+44 7*** ***050');
      expect(mine.body).toMatch(/Ref [0-9A-Z]+-[0-9A-Z]{6}/);
      expect(JSON.stringify(res.body)).not.toMatch(/\+447911/);
      await t.http().get('/sandbox/emails').set('authorization', `Bearer ${tokens.admin}`).expect(200);
      await t.http().get('/sandbox/sms').set('authorization', `Bearer ${tokens.supervisor}`).expect(403);
    });
  });

  describe('templates', () => {
    const registry = () => t.get<TemplateRegistry>(TemplateRegistry);

    it('rejects at load a template with an unknown variable, a foreign link, a request for a password, or too many segments', () => {
      expect(() => registry().load('sms-help', 'en', 'sms', 'Hi {{firstName}} {{baseUrl}}')).toThrow(
        /unknown variable\(s\): firstName/,
      );
      expect(() =>
        registry().load('breach-notice', 'en', 'sms', '{{firstName}}, see {{incidentUrl}}'),
      ).toThrow(/must print the reference code/);
      expect(() => registry().load('sms-help', 'en', 'sms', 'Go to https://evil.example.com/login')).toThrow(
        /links not allowed/,
      );
      expect(() => registry().load('sms-help', 'en', 'sms', 'Reply with your password to confirm.')).toThrow(
        /asks for a secret/,
      );
      expect(() => registry().load('sms-help', 'en', 'sms', 'x'.repeat(500))).toThrow(/4 segments \(max 3\)/);
      expect(() => registry().load('breach-notice', 'en', 'email', 'no sections')).toThrow(/subject/);
      // the anti-phishing advice itself is fine, and the previous template stays in place after a refusal
      expect(() =>
        registry().load('sms-help', 'cy', 'sms', 'We will never ask for your password. {{baseUrl}}/verify'),
      ).not.toThrow();
      expect(registry().render('sms-help', 'en', 'sms', registry().sampleVars('sms-help')).text).toContain(
        'Reply STOP',
      );
    });

    it('previews with encoding and segments over the API, for the roles that write messages', async () => {
      const res = await t
        .http()
        .post('/notifications/templates/preview')
        .set('authorization', `Bearer ${tokens.comms}`)
        .send({ kind: 'breach-notice', locale: 'cy', channel: 'sms' })
        .expect(201);
      expect(res.body.sms).toMatchObject({ encoding: 'GSM-7' });
      expect(res.body.sms.segments).toBeGreaterThanOrEqual(2);
      expect(res.body.sms.segments).toBeLessThanOrEqual(3);
      expect(res.body.issues).toEqual([]);
      const uni = await t
        .http()
        .post('/notifications/templates/preview')
        .set('authorization', `Bearer ${tokens.comms}`)
        .send({ kind: 'breach-notice', locale: 'en', channel: 'sms', vars: { firstName: 'Siôn' } })
        .expect(201);
      expect(uni.body.sms.encoding).toBe('UCS-2');
      expect(uni.body.issues[0]).toMatch(/segments \(max 3\)/);
      await t
        .http()
        .post('/notifications/templates/preview')
        .set('authorization', `Bearer ${tokens.comms}`)
        .send({ kind: 'breach-notice', locale: 'fr', channel: 'fax' })
        .expect(400);
    });
  });

  describe('campaigns', () => {
    const auth = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
    let seq = 0;

    async function seed(n: number, prefix: string, withEmail = (i: number) => i % 2 === 0) {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const num = `0791120${String(seq++).padStart(4, '0')}`;
        const s = await subs.upsert({
          accountId: `${prefix}-${i}`,
          msisdn: num,
          email: withEmail(i) ? `${prefix.toLowerCase()}${i}@example.net` : null,
          firstName: `P${i}`,
          locale: i % 3 === 0 ? 'cy' : 'en',
        });
        ids.push(s.id);
      }
      return ids;
    }

    const csvCampaign = (prefix: string, policy: string, extra: Record<string, unknown> = {}) =>
      createCsvCampaign(t, tokens.comms, prefix, policy, extra);

    const upload = (id: string, csv: string) => uploadAudience(t, tokens.comms, id, csv);

    const waitDone = async (id: string, ms = 30_000) => {
      const end = Date.now() + ms;
      for (;;) {
        const p = (await t.http().get(`/campaigns/${id}/progress`).set(auth('support')).expect(200)).body;
        if (p.status === 'completed') return p;
        if (Date.now() > end) throw new Error(`campaign not done: ${JSON.stringify(p)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    it('needs a second person to approve, previews, sends once per person and channel, reports progress and outcomes', async () => {
      await seed(30, 'CA');
      const id = await csvCampaign('CA', 'both');
      const report = await upload(
        id,
        'account_id\n' + Array.from({ length: 30 }, (_, i) => `CA-${i}`).join('\n') + '\nCA-0\nNOBODY\n',
      );
      expect(report).toMatchObject({ rows: 32, matched: 31, unknown: 1 });
      const byNumber = await upload(id, 'msisdn,other\n07911200000,x\n12345,y\n');
      expect(byNumber).toMatchObject({ rows: 2, matched: 1, invalidNumbers: 1 });
      expect(JSON.stringify(byNumber)).not.toContain('12345'); // samples are masked

      const preview = (await t.http().get(`/campaigns/${id}/preview`).set(auth('comms')).expect(200)).body;
      expect(preview).toMatchObject({ audience: 30, withoutEmail: 15, messages: { sms: 30, email: 15 } });
      expect(preview.costPence).toBeGreaterThan(0);
      expect(preview.perLocale.find((r: any) => r.channel === 'sms' && r.locale === 'cy').count).toBe(10);

      await t.http().post(`/campaigns/${id}/start`).set(auth('comms')).expect(409); // not approved
      await t.http().post(`/campaigns/${id}/approve`).set(auth('comms')).expect(403); // role
      await t.http().post(`/campaigns/${id}/approve`).set(auth('supervisor')).expect(200);
      await t.http().post(`/campaigns/${id}/approve`).set(auth('supervisor')).expect(409); // already
      await t.http().post(`/campaigns/${id}/start`).set(auth('comms')).expect(200);
      const done = await waitDone(id);
      expect((done.totals.sent ?? 0) + (done.totals.delivered ?? 0)).toBe(45);

      const smsTo = sms.messages
        .filter((m) => /Ref [0-9A-Z]+-/.test(m.body) || /Cyf /.test(m.body))
        .map((m) => m.to);
      expect(new Set(smsTo).size).toBe(smsTo.length); // nobody twice
      const cy = sms.messages.find((m) => m.body.startsWith('P0,'))!;
      expect(cy.body).toContain('am dor data personol');
      const emails = mail.messages.filter((m) => /^ca\d+@/.test(m.envelopeTo[0]));
      expect(emails).toHaveLength(15);
      expect(new Set(emails.map((m) => m.parsed.messageId)).size).toBe(15);
      expect(emails[0].parsed.messageId).toContain(`.${id}@`);

      const csv = await t.http().get(`/campaigns/${id}/outcomes.csv`).set(auth('supervisor')).expect(200);
      const lines = csv.text.trim().split('\n');
      expect(lines).toHaveLength(46);
      expect(csv.text).not.toMatch(/\+447911/);
      expect(csv.text).toMatch(/\+44 7\*\*\* \*\*\*\d{3}/);
      // every address masked (emails with maskEmail, the domain too); the masked number, text starting
      // with "+", is made inert for spreadsheets
      for (const line of lines.slice(1))
        expect(line.split(',')[7]).toMatch(/^'\+44 7\*\*\* \*\*\*\d{3}$|^c\*\*\*@\w\*\*\*\.\w+$/);
      await t.http().get(`/campaigns/${id}/outcomes.csv`).set(auth('comms')).expect(403);

      // starting again, or building twice, adds nothing: once per person and channel is a database constraint
      await t.http().post(`/campaigns/${id}/start`).set(auth('comms')).expect(409);
      expect(await count(t.db, `SELECT count(*) AS n FROM messages WHERE campaign_id = $1`, [id])).toBe(45);
      const audit = await t.db.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY id`, [
        id,
      ]);
      expect(audit.map((a: any) => a.action)).toEqual([
        'campaign.create',
        'campaign.audience',
        'campaign.audience',
        'campaign.approve',
        'campaign.start',
        'campaign.complete',
      ]);
    });

    it('sends an unlimited channel in batch jobs: a bad number fails alone, a transient error retries its row alone', async () => {
      await seed(12, 'CB');
      const id = await csvCampaign('CB', 'sms');
      await upload(id, 'account_id\n' + Array.from({ length: 12 }, (_, i) => `CB-${i}`).join('\n') + '\n');
      const [bad] = await t.db.query(
        `SELECT s.msisdn FROM campaign_audience a JOIN subscribers s ON s.id = a.subscriber_id
         WHERE a.campaign_id = $1 ORDER BY s.msisdn LIMIT 1`,
        [id],
      );
      sms.failures.set(bad.msisdn, 21211);
      await t.http().post(`/campaigns/${id}/approve`).set(auth('supervisor')).expect(200);
      sms.nextErrors.push(20429); // the first SMS of the batch to reach Twilio is refused, once
      await t.http().post(`/campaigns/${id}/start`).set(auth('comms')).expect(200);
      await waitDone(id);

      const rows = await t.db.query(
        `SELECT m.status, m.attempts, m.error_code, m.job_id, s.msisdn FROM messages m
         JOIN subscribers s ON s.id = m.subscriber_id WHERE m.campaign_id = $1`,
        [id],
      );
      expect(rows).toHaveLength(12);
      const failed = rows.filter((r: any) => r.status === 'failed');
      expect(failed).toEqual([expect.objectContaining({ msisdn: bad.msisdn, error_code: 'twilio:21211' })]);
      const sent = rows.filter((r: any) => r.status !== 'failed');
      expect(sent).toHaveLength(11);
      expect(sent.every((r: any) => ['sent', 'delivered'].includes(r.status))).toBe(true);
      // Exactly one row (whichever met the 429) was tried twice, in a job of its own; the rest went once, in one job.
      const retried = rows.filter((r: any) => r.attempts === 2);
      expect(retried).toHaveLength(1);
      expect(retried[0].job_id).toMatch(/-r/);
      const once = rows.filter((r: any) => r !== retried[0]);
      expect(once.every((r: any) => r.attempts === 1)).toBe(true);
      expect(new Set(once.map((r: any) => r.job_id)).size).toBe(1);
      for (const r of sent) expect(sms.messages.filter((m) => m.to === r.msisdn)).toHaveLength(1);
    });

    it('refuses a campaign whose values break the rules, with clear errors', async () => {
      const bad = await t
        .http()
        .post('/campaigns')
        .set(auth('comms'))
        .send({ name: 'x', kind: 'sms-help', audienceType: 'csv', channelPolicy: 'sms' })
        .expect(400);
      expect(bad.body.details.map((d: any) => d.field)).toContain('name');
      const notCampaign = await t
        .http()
        .post('/campaigns')
        .set(auth('comms'))
        .send({ name: 'Help', kind: 'sms-help', audienceType: 'csv', channelPolicy: 'sms' })
        .expect(400);
      expect(notCampaign.body.message).toMatch(/not a campaign message kind/);
      const phishy = await t
        .http()
        .post('/campaigns')
        .set(auth('comms'))
        .send({
          name: 'Evil',
          kind: 'breach-notice',
          audienceType: 'csv',
          channelPolicy: 'sms',
          vars: { incidentTitle: 'x', whatHappened: 'Details at https://evil.example.com/x' },
        })
        .expect(400);
      expect(phishy.body.message).toMatch(/links not allowed/);
      // F11: IP hosts (dotted or hex), other schemes and links in any variable or paragraph are refused
      for (const vars of [
        { incidentTitle: 'x', whatHappened: 'http://198.51.100.7/claim' },
        { incidentTitle: 'x', measuresRecommended: 'Go to https://0xC6336407/claim' },
        { incidentTitle: 'Claim at javascript:alert(1)' },
      ]) {
        const refused = await t
          .http()
          .post('/campaigns')
          .set(auth('comms'))
          .send({ name: 'Evil', kind: 'breach-notice', audienceType: 'csv', channelPolicy: 'sms', vars })
          .expect(400);
        expect(refused.body.message).toMatch(/links not allowed/);
      }
      const missing = await t
        .http()
        .post('/campaigns')
        .set(auth('comms'))
        .send({
          name: 'Missing',
          kind: 'breach-notice',
          audienceType: 'csv',
          channelPolicy: 'sms',
          vars: { extra: 'y', statusUrl: `${t.env.PUBLIC_BASE_URL}/status` },
        })
        .expect(400);
      // Links are Candor's: typing one is refused, as is a variable the kind does not have.
      expect(missing.body.details.flatMap((d: any) => d.messages)).toEqual([
        'filled in by Candor, never typed: statusUrl',
        'missing: incidentTitle',
        'unknown: extra',
      ]);
    });

    it('pauses, resumes and cancels; a cancelled campaign sends nothing more', async () => {
      await seed(20, 'PR', () => false);
      const numbers: string[] = (
        await t.db.query(`SELECT msisdn FROM subscribers WHERE account_id LIKE 'PR-%'`)
      ).map((r: any) => r.msisdn);
      const toPr = () => sms.messages.filter((m) => numbers.includes(m.to)).length;
      const sentIn = (c: string) =>
        count(
          t.db,
          `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status IN ('sent','delivered')`,
          [c],
        );
      const csv = 'account_id\n' + Array.from({ length: 20 }, (_, i) => `PR-${i}`).join('\n');
      /** Rows a job claimed before `what` finish, however slow the machine; nothing is claimed after it. */
      const inFlightDone = (c: string, what: string) =>
        eventually(
          async () =>
            (await count(
              t.db,
              `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status = 'sending'`,
              [c],
            )) === 0,
          15_000,
          `the sends claimed before ${what} to finish`,
        );

      const id = await csvCampaign('PR', 'sms');
      await upload(id, csv);
      await t.http().post(`/campaigns/${id}/approve`).set(auth('supervisor')).expect(200);
      await t.http().post(`/campaigns/${id}/start`).set(auth('comms')).expect(200);
      await t.http().post(`/campaigns/${id}/pause`).set(auth('comms')).expect(200);
      await inFlightDone(id, 'the pause');
      const atPause = await sentIn(id);
      await new Promise((r) => setTimeout(r, 1200));
      expect(await sentIn(id)).toBe(atPause); // nothing more goes out while paused
      await t.http().post(`/campaigns/${id}/pause`).set(auth('comms')).expect(409);
      await t.http().post(`/campaigns/${id}/resume`).set(auth('comms')).expect(200);
      await waitDone(id);
      expect(await sentIn(id)).toBe(20);
      expect(toPr()).toBe(20);

      const id2 = await csvCampaign('PR2', 'sms');
      await upload(id2, csv);
      await t.http().post(`/campaigns/${id2}/approve`).set(auth('admin')).expect(200);
      await t.http().post(`/campaigns/${id2}/start`).set(auth('comms')).expect(200);
      await t.http().post(`/campaigns/${id2}/cancel`).set(auth('comms')).expect(200);
      await inFlightDone(id2, 'the cancel');
      const sent2 = await sentIn(id2);
      const cancelled = await count(
        t.db,
        `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status = 'cancelled'`,
        [id2],
      );
      expect(sent2 + cancelled).toBe(20);
      expect(toPr()).toBe(20 + sent2);
      await t.http().post(`/campaigns/${id2}/resume`).set(auth('comms')).expect(409);
      expect((await t.http().get(`/campaigns/${id2}`).set(auth('support')).expect(200)).body.status).toBe(
        'cancelled',
      );
    });

    it('starts a scheduled campaign by itself at its time, and refuses a time in the past', async () => {
      await seed(3, 'SC', () => false);
      const id = await csvCampaign('SC', 'sms');
      await upload(id, 'account_id\nSC-0\nSC-1\nSC-2\n');
      await t
        .http()
        .post(`/campaigns/${id}/schedule`)
        .set(auth('comms'))
        .send({ scheduledAt: new Date(Date.now() + 60_000) })
        .expect(409); // not approved
      await t.http().post(`/campaigns/${id}/approve`).set(auth('supervisor')).expect(200);
      const past = await t
        .http()
        .post(`/campaigns/${id}/schedule`)
        .set(auth('comms'))
        .send({ scheduledAt: '2020-01-01T00:00:00Z' })
        .expect(400);
      expect(past.body.details[0]).toMatchObject({ field: 'scheduledAt' });
      const at = new Date(Date.now() + 1500);
      const res = await t
        .http()
        .post(`/campaigns/${id}/schedule`)
        .set(auth('comms'))
        .send({ scheduledAt: at })
        .expect(200);
      expect(res.body.status).toBe('scheduled');
      expect(await count(t.db, `SELECT count(*) AS n FROM messages WHERE campaign_id = $1`, [id])).toBe(0);
      const done = await waitDone(id);
      expect((done.totals.sent ?? 0) + (done.totals.delivered ?? 0)).toBe(3);
      const started = (await t.db.query(`SELECT started_at FROM campaigns WHERE id = $1`, [id]))[0]
        .started_at;
      expect(new Date(started).getTime()).toBeGreaterThanOrEqual(at.getTime());
    });

    // Quiet hours (and an SMS held through them) are tested at chosen instants in test/clock.e2e-spec.ts.

    it('never resends an SMS that an earlier, crashed attempt already handed to Twilio', async () => {
      // The state a kill -9 leaves: Twilio accepted the message, the outbox still says "sending", claimed by
      // a worker whose send lease is gone (a live worker's claim is never taken over).
      const { id } = await notice('07911100030', 'crash-1');
      await waitForStatus(id, ['delivered']); // no callback is still on its way
      expect(sms.messages.filter((m) => m.to === '+447911100030')).toHaveLength(1);
      await t.db.query(
        `UPDATE messages SET status = 'sending', provider_id = NULL, sent_at = NULL, claimed_by = gen_random_uuid(),
           sending_started_at = $2::timestamptz - interval '1 minute', provider_call_at = now() - interval '1 minute',
           queued_at = now() - interval '1 minute' WHERE id = $1`,
        [id, t.clock.now()], // sending_started_at is Clock time, queued_at and provider_call_at the database's
      );
      // the sweep finds the row with no live job and hands it back; the worker asks Twilio before sending
      await waitForStatus(id, ['sent', 'delivered']);
      expect(sms.messages.filter((m) => m.to === '+447911100030')).toHaveLength(1);
      const row = (await t.db.query(`SELECT provider_id, attempts FROM messages WHERE id = $1`, [id]))[0];
      expect(row.provider_id).toBe(sms.messages.find((m) => m.to === '+447911100030')!.sid);
      expect(row.attempts).toBe(2);
    });
  });

  describe('customer sign-in codes (through the SMS provider)', () => {
    it('sends a 6-digit code to a subscriber, signs in with it once, and refuses expired and over-tried codes', async () => {
      await subs.upsert({ accountId: 'OTP-1', msisdn: '07911100040' });
      const req = await t
        .http()
        .post('/customer/auth/request-code')
        .send({ msisdn: '07911 100040' })
        .expect(202);
      const text = (await sms.messages.waitFor((all) => all.some((m) => m.to === '+447911100040'))).find(
        (m) => m.to === '+447911100040',
      )!.body;
      const code = text.match(/\b(\d{6})\b/)![1];
      const wrong = code === '000000' ? '111111' : '000000';
      await t
        .http()
        .post('/customer/auth/verify')
        .send({ challengeId: req.body.challengeId, code: wrong })
        .expect(401);
      const ok = await t
        .http()
        .post('/customer/auth/verify')
        .send({ challengeId: req.body.challengeId, code })
        .expect(200);
      const me = await t
        .http()
        .get('/customer/me')
        .set('authorization', `Bearer ${ok.body.token}`)
        .expect(200);
      expect(me.body.msisdn).toBe('+44 7*** ***040');
      await t
        .http()
        .post('/customer/auth/verify')
        .send({ challengeId: req.body.challengeId, code })
        .expect(401); // single use

      const r2 = await t
        .http()
        .post('/customer/auth/request-code')
        .send({ msisdn: '07911100040' })
        .expect(202);
      await sms.messages.waitFor((all) => all.filter((m) => m.to === '+447911100040').length >= 2);
      const code2 = sms.messages.filter((m) => m.to === '+447911100040')[1].body.match(/\b(\d{6})\b/)![1];
      for (let i = 0; i < 5; i++)
        await t
          .http()
          .post('/customer/auth/verify')
          .send({ challengeId: r2.body.challengeId, code: code2 === '000000' ? '111111' : '000000' })
          .expect(401);
      await t
        .http()
        .post('/customer/auth/verify')
        .send({ challengeId: r2.body.challengeId, code: code2 })
        .expect(401); // 5 attempts used

      const r3 = await t
        .http()
        .post('/customer/auth/request-code')
        .send({ msisdn: '07911100040' })
        .expect(202);
      await sms.messages.waitFor((all) => all.filter((m) => m.to === '+447911100040').length >= 3);
      const code3 = sms.messages.filter((m) => m.to === '+447911100040')[2].body.match(/\b(\d{6})\b/)![1];
      await t.db.query(
        `UPDATE customer_otp_challenges SET expires_at = $2::timestamptz - interval '1 second' WHERE id = $1`,
        [r3.body.challengeId, t.clock.now()],
      );
      await t
        .http()
        .post('/customer/auth/verify')
        .send({ challengeId: r3.body.challengeId, code: code3 })
        .expect(401);

      // a non-subscriber gets the same answer and no SMS
      const before = sms.messages.length;
      await t.http().post('/customer/auth/request-code').send({ msisdn: '07911100041' }).expect(202);
      expect(sms.messages.length).toBe(before);
    });
  });
});
