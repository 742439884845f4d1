import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { startTestApp, TestApp } from './helpers/app';
import { analyseSamples } from './helpers/samples';
import { count, staffTokens } from './helpers/staff';
import { NOTICE_VARS } from './helpers/notices';

/**
 * The analysis run's matched subscribers are the audience other modules act on: a breach-notice campaign
 * and an offer's eligibility. Runs on the committed samples (the demo's data).
 */
describe('audiences from an analysis run', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let runId: string;
  let matched: number;

  beforeAll(async () => {
    t = await startTestApp({ SWEEP_INTERVAL_SECONDS: '1' }, undefined, { listen: true });
    ({ tokens } = await staffTokens(t));
    const run = await analyseSamples(t);
    runId = run.runId;
    matched = run.matchedSubscribers;
  });
  afterAll(() => t?.close());

  const auth = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

  it('sends a breach notice to exactly the matched subscribers', async () => {
    expect(matched).toBeGreaterThan(0);
    const body = {
      name: 'Breach notice',
      kind: 'breach-notice',
      audienceType: 'analysis_run',
      channelPolicy: 'sms',
      vars: NOTICE_VARS,
      ignoreQuietHours: true,
    };
    const unknown = await t
      .http()
      .post('/campaigns')
      .set(auth('comms'))
      .send({ ...body, audienceRef: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(404);
    const c = (
      await t
        .http()
        .post('/campaigns')
        .set(auth('comms'))
        .send({ ...body, audienceRef: runId })
        .expect(201)
    ).body;
    const preview = (await t.http().get(`/campaigns/${c.id}/preview`).set(auth('comms')).expect(200)).body;
    expect(preview.audience).toBe(matched);
    await t.http().post(`/campaigns/${c.id}/approve`).set(auth('supervisor')).expect(200);
    await t.http().post(`/campaigns/${c.id}/start`).set(auth('comms')).expect(200);
    const sms = t.get<TwilioSandbox>(TwilioSandbox);
    await sms.messages.waitFor((all) => all.length >= matched, 20_000);
    const expected: string[] = (
      await t.db.query(
        `SELECT s.msisdn FROM subscribers s JOIN analysis_matches m ON m.subscriber_id = s.id WHERE m.run_id = $1 ORDER BY 1`,
        [runId],
      )
    ).map((r: any) => r.msisdn);
    expect(sms.messages.all.map((m) => m.to).sort()).toEqual(expected);
  });

  it('makes an offer to exactly the matched subscribers', async () => {
    const res = await t
      .http()
      .post('/compensation/offers')
      .set(auth('supervisor'))
      .send({
        name: 'Sorry: £5 credit',
        kind: 'credit',
        value: 500,
        eligibility: 'analysis_run',
        analysisRunId: runId,
        mode: 'claim',
        claimClosesAt: new Date(Date.now() + 86400_000).toISOString(),
      })
      .expect(201);
    expect(
      await count(t.db, `SELECT count(*) AS n FROM offer_eligible WHERE offer_id = $1`, [res.body.id]),
    ).toBe(matched);
    const liability = await t
      .http()
      .get('/compensation/reports/liability')
      .set(auth('supervisor'))
      .expect(200);
    const row = liability.body.rows.find((r: any) => r.offer_id === res.body.id);
    expect(Number(row.eligible)).toBe(matched);
    // an unknown run is refused, not turned into an empty offer
    await t
      .http()
      .post('/compensation/offers')
      .set(auth('supervisor'))
      .send({
        name: 'x offer',
        kind: 'credit',
        value: 100,
        eligibility: 'analysis_run',
        analysisRunId: '00000000-0000-4000-8000-000000000000',
        mode: 'claim',
        claimClosesAt: new Date(Date.now() + 86400_000).toISOString(),
      })
      .expect(404);
  });

  it('tells the affected about an offer, and a customer claims it by replying the keyword', async () => {
    const offer = (
      await t
        .http()
        .post('/compensation/offers')
        .set(auth('supervisor'))
        .send({
          name: 'Sorry: £10 credit',
          kind: 'credit',
          value: 1000,
          eligibility: 'analysis_run',
          analysisRunId: runId,
          mode: 'claim',
          keyword: 'SORRY10',
          claimClosesAt: new Date(Date.now() + 86400_000).toISOString(),
        })
        .expect(201)
    ).body;
    // £10 to every matched subscriber is over COMPENSATION_OFFER_APPROVAL_PENCE: nobody can claim it until a
    // second supervisor approves it (issue 18, F1)
    expect(offer.approvalStatus).toBe('pending');
    const second = (await staffTokens(t, ['supervisor'])).tokens.supervisor;
    await t
      .http()
      .post(`/compensation/offers/${offer.id}/approve`)
      .auth(second, { type: 'bearer' })
      .expect(200);
    const sms = t.get<TwilioSandbox>(TwilioSandbox);
    const before = sms.messages.length;
    const c = (
      await t
        .http()
        .post('/campaigns')
        .set(auth('comms'))
        .send({
          name: 'Offer notice',
          kind: 'offer-notice',
          audienceType: 'analysis_run',
          audienceRef: runId,
          channelPolicy: 'sms',
          vars: {
            offerName: 'a £10 credit',
            keyword: 'SORRY10',
            apology: 'We are sorry we shared your number.',
          },
          ignoreQuietHours: true,
        })
        .expect(201)
    ).body;
    await t.http().post(`/campaigns/${c.id}/approve`).set(auth('supervisor')).expect(200);
    await t.http().post(`/campaigns/${c.id}/start`).set(auth('comms')).expect(200);
    await sms.messages.waitFor((all) => all.length >= before + matched, 20_000);
    const notice = sms.messages.all.slice(before).find((m) => /Reply SORRY10|Atebwch SORRY10/.test(m.body))!;
    expect(notice).toBeDefined();

    // The customer replies with the keyword: the claim is made and confirmed, once.
    const inbound = `${t.env.PUBLIC_BASE_URL}/webhooks/twilio/inbound`;
    const reply = await sms.inbound(inbound, notice.to, 'sorry10');
    expect(reply).not.toMatch(/<Message>/); // a claim is confirmed by the outbox message, not the reply
    await sms.messages.waitFor(
      (all) => all.some((m) => m.to === notice.to && /claim is confirmed|hawliad/.test(m.body)),
      10_000,
    );
    expect(await count(t.db, `SELECT count(*) AS n FROM offer_claims WHERE offer_id = $1`, [offer.id])).toBe(
      1,
    );
    expect(await sms.inbound(inbound, notice.to, 'SORRY10')).toMatch(/could not take that claim|Ni allem/);
    expect(await count(t.db, `SELECT count(*) AS n FROM offer_claims WHERE offer_id = $1`, [offer.id])).toBe(
      1,
    );
  });
});
