import { Counter } from 'prom-client';
import { SmsProvider } from '../src/channels/sms-provider';
import { JobMetrics } from '../src/platform/metrics/metrics.service';
import { generateCallbacks } from './helpers/callback-generator';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { createCsvCampaign, uploadAudience } from './helpers/campaigns';
import { eventually } from './helpers/eventually';
import { openIncidentWithUpdate } from './helpers/incidents';
import { count, staffTokens } from './helpers/staff';

jest.setTimeout(180_000);

const RATE = 500;
const SECONDS = 10;
const ROWS = (RATE * SECONDS) / 2; // each row gets "sent", then "delivered"

/**
 * Twilio's callbacks at 500/s while a campaign sends (issue 19): one process serves the status page, the
 * webhook and the worker (the default deployment, `CANDOR_ROLE=all`). What must hold, whatever the machine's
 * speed: every callback is answered 2xx and recorded once, the messages end in the right status, and every
 * /status request meanwhile is answered 200. The latency figures are the benchmark's (`npm run bench -- faults`).
 */
describe('faults: delivery callbacks at 500/s during a campaign', () => {
  let sms: TwilioSandbox;
  let t: TestApp;

  beforeAll(async () => {
    sms = await new TwilioSandbox().start();
    t = await startTestApp(
      {
        TWILIO_ACCOUNT_SID: sms.accountSid,
        TWILIO_AUTH_TOKEN: sms.authToken,
        TWILIO_API_BASE_URL: sms.url,
        SMS_RATE_PER_SECOND: '30', // the campaign lasts as long as the callbacks do
      },
      undefined,
      { listen: true },
    );
  });

  afterAll(async () => {
    await t?.close();
    await sms?.stop();
  });

  const recordedSoFar = async () => {
    const counter = t.get<JobMetrics>(JobMetrics).counter('candor_delivery_callbacks_total', '') as Counter;
    return (await counter.get()).values.find((v) => v.labels.stage === 'recorded')?.value ?? 0;
  };

  it('answers and records every callback once, and /status answers every request meanwhile', async () => {
    const { tokens } = await staffTokens(t);
    await openIncidentWithUpdate(t, tokens, { title: 'Callbacks storm test' });
    const subs = t.get<SubscribersService>(SubscribersService);
    for (let i = 0; i < 150; i++)
      await subs.upsert({ accountId: `C-${i}`, msisdn: `079244${String(i).padStart(5, '0')}` });
    // The rows the generator reports on: handed to Twilio, waiting for its word (as a larger campaign's are).
    const [{ first }] = await t.db.query(
      `WITH ins AS (
         INSERT INTO messages (channel, kind, to_address, status)
         SELECT 'sms', 'breach-notice', '+447924' || lpad(i::text, 6, '0'), 'sending'
         FROM generate_series(1, $1) i RETURNING id)
       SELECT min(id)::int AS first FROM ins`,
      [ROWS],
    );
    const recordedBefore = await recordedSoFar();
    const callbacksBefore = sms.callbacksSent;

    const id = await createCsvCampaign(t, tokens.comms, 'C', 'sms');
    await uploadAudience(t, tokens.comms, id, 'account_id\n' + subsIds(150).join('\n'));
    await t.http().post(`/campaigns/${id}/approve`).auth(tokens.supervisor, { type: 'bearer' }).expect(200);
    await t.http().post(`/campaigns/${id}/start`).auth(tokens.comms, { type: 'bearer' }).expect(200);
    await sms.messages.waitFor((all) => all.length >= 10, 30_000);

    const generator = generateCallbacks({
      base: t.env.PUBLIC_BASE_URL,
      token: t.get<SmsProvider>(SmsProvider).authToken,
      rate: RATE,
      seconds: SECONDS,
      first,
      count: ROWS,
    });
    let done = false;
    void generator.finally(() => (done = true)).catch(() => undefined);
    const pages: Record<number, number> = {};
    while (!done) {
      const res = await fetch(`${t.env.PUBLIC_BASE_URL}/status`);
      const body = await res.text();
      pages[res.status] = (pages[res.status] ?? 0) + 1;
      expect(body).toContain('Callbacks storm test');
    }
    const callbacks = await generator;

    expect(callbacks.codes).toEqual({ 204: RATE * SECONDS }); // every one answered 2xx, none refused or lost
    expect(Object.keys(pages)).toEqual(['200']);
    expect(pages[200]).toBeGreaterThan(10); // it kept answering throughout, not once

    // The worker applies what was recorded; the campaign's own callbacks (from the sandbox) arrive meanwhile.
    await eventually(
      async () =>
        (await count(
          t.db,
          `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status <> 'delivered'`,
          [id],
        )) === 0,
      90_000,
      'the campaign to be delivered',
    );
    await eventually(
      async () => (await count(t.db, `SELECT count(*) AS n FROM delivery_callbacks`)) === 0,
      30_000,
      'every recorded callback to be applied',
    );
    expect(await recordedSoFar()).toBe(
      recordedBefore + RATE * SECONDS + (sms.callbacksSent - callbacksBefore),
    ); // each callback recorded once: none twice, none dropped
    const wrong = await t.db.query(
      `SELECT id FROM messages WHERE id BETWEEN $1 AND $2
         AND (status <> 'delivered' OR provider_id <> 'SMb' || id OR delivered_at IS NULL)`,
      [first, first + ROWS - 1],
    );
    expect(wrong).toEqual([]);
  });
});

const subsIds = (n: number) => Array.from({ length: n }, (_, i) => `C-${i}`);
