import { SmtpSink } from '../src/sandbox/smtp-sink';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/customer';
import { openIncidentWithUpdate } from './helpers/incidents';
import { NOTICE_VARS } from './helpers/notices';
import { staffTokens } from './helpers/staff';

/**
 * Issue 17, "comms write the words" and "campaign awareness": notices composed from the approved frame and the
 * paragraphs comms write in English and Welsh, with Candor's links; the Annex II checklist that gates a
 * personal-data breach notice's approval; repeat recipients counted and left out; quiet-hour holds with the
 * time sending resumes.
 */
describe('notices comms write, and campaigns that know what holds them', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let sms: TwilioSandbox;
  let mail: SmtpSink;
  let incidentId: string;
  let seq = 0;
  const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

  beforeAll(async () => {
    t = await startTestApp({ SMS_QUIET_HOURS: '21:00-08:00' });
    ({ tokens } = await staffTokens(t));
    sms = t.get(TwilioSandbox);
    mail = t.get(SmtpSink);
    ({ incidentId } = await openIncidentWithUpdate(t, tokens));
  });
  afterEach(() => t?.clock.reset());
  afterAll(() => t?.close());

  /** Subscribers `prefix-0..n-1` with email, the first of them Welsh; returns their numbers. */
  async function seed(n: number, prefix: string): Promise<string[]> {
    const subs = t.get<SubscribersService>(SubscribersService);
    const numbers: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = await subs.upsert({
        accountId: `${prefix}-${i}`,
        msisdn: `0791120${String(5000 + seq++)}`,
        email: `${prefix.toLowerCase()}${i}@example.net`,
        firstName: `N${i}`,
        locale: i === 0 ? 'cy' : 'en',
      });
      numbers.push(s.msisdn);
    }
    return numbers;
  }

  async function campaign(body: Record<string, unknown>): Promise<any> {
    return (
      await t
        .http()
        .post('/campaigns')
        .set(as('comms'))
        .send({
          name: 'Notice',
          kind: 'breach-notice',
          incidentId,
          audienceType: 'csv',
          channelPolicy: 'both',
          ...body,
        })
        .expect(201)
    ).body;
  }

  const upload = (id: string, ids: string[]) =>
    t
      .http()
      .post(`/campaigns/${id}/audience`)
      .set(as('comms'))
      .set('content-type', 'text/csv')
      .send(`account_id\n${ids.join('\n')}\n`)
      .expect(201);
  const preview = async (id: string, q = '') =>
    (await t.http().get(`/campaigns/${id}/preview${q}`).set(as('comms')).expect(200)).body;

  it('a breach notice missing an Annex II item cannot be approved; with every item it can; links are Candor’s', async () => {
    const base = t.env.PUBLIC_BASE_URL;
    // A link typed by comms is refused: Candor fills them in.
    const typed = await t
      .http()
      .post('/campaigns')
      .set(as('comms'))
      .send({
        name: 'Typed',
        kind: 'breach-notice',
        incidentId,
        audienceType: 'csv',
        channelPolicy: 'sms',
        vars: { ...NOTICE_VARS, statusUrl: `${base}/status` },
      })
      .expect(400);
    expect(typed.body.details[0].messages).toEqual(['filled in by Candor, never typed: statusUrl']);
    // An unknown incident is refused (its link would be a 404).
    await t
      .http()
      .post('/campaigns')
      .set(as('comms'))
      .send({
        name: 'Nowhere',
        kind: 'breach-notice',
        incidentId: '00000000-0000-4000-8000-000000000000',
        audienceType: 'csv',
        channelPolicy: 'sms',
        vars: NOTICE_VARS,
      })
      .expect(404);

    const { likelyConsequences, ...withoutConsequences } = NOTICE_VARS;
    const c = await campaign({
      vars: withoutConsequences,
      varsCy: { whatHappened: 'Roedd nam yn ein porth gwe wedi rhannu eich rhif.' },
      ignoreQuietHours: true,
    });
    expect(c.vars).toMatchObject({
      incidentUrl: `${base}/status/incidents/${incidentId}`,
      accountUrl: `${base}/account`,
      operatorName: 'Candor Mobile',
      contactPoint: '0800 123 4567',
    });
    expect(c.varsCy.incidentUrl).toBe(`${base}/status/incidents/${incidentId}?lang=cy`);

    let p = await preview(c.id);
    expect(p.notice.annexII.complete).toBe(false);
    expect(p.notice.annexII.items).toHaveLength(9);
    expect(p.notice.annexII.missing).toEqual(['Likely consequences for the subscriber']);
    expect(p.notice.annexII.items.find((i: any) => i.item === 'summary')).toMatchObject({
      en: true,
      cy: true,
    });
    expect(p.notice.annexII.items.find((i: any) => i.item === 'dataConcerned')).toMatchObject({
      en: true,
      cy: false,
    });
    const smsEn = p.notice.rendered.find((r: any) => r.channel === 'sms' && r.locale === 'en');
    expect(smsEn.text).toContain(`${base}/status/incidents/${incidentId} `); // the incident, not /status
    expect(smsEn.segments).toBeLessThanOrEqual(3);
    const emailCy = p.notice.rendered.find((r: any) => r.channel === 'email' && r.locale === 'cy');
    expect(emailCy.text).toContain('Roedd nam yn ein porth gwe wedi rhannu eich rhif.');
    expect(emailCy.text).toContain(NOTICE_VARS.dataConcerned); // no Welsh of its own: the English
    expect(p.notice.welshMissing).toContain('dataConcerned');

    const refused = await t.http().post(`/campaigns/${c.id}/approve`).set(as('supervisor')).expect(422);
    expect(refused.body.message).toMatch(/Annex II/);
    expect(refused.body.details[0]).toEqual({
      field: 'annexII',
      messages: ['missing: Likely consequences for the subscriber'],
    });

    // What comms write passes the privacy check (the helpline passes, a customer's number does not) and
    // the no-marketing rule, as they save.
    const customer = await t
      .http()
      .patch(`/campaigns/${c.id}`)
      .set(as('comms'))
      .send({ vars: { likelyConsequences: 'Call 07700 900 123 back.' } })
      .expect(422);
    expect(customer.body.details[0].field).toBe('vars.likelyConsequences');
    expect(JSON.stringify(customer.body)).not.toContain('900 123');
    const selling = await t
      .http()
      .patch(`/campaigns/${c.id}`)
      .set(as('comms'))
      .send({ varsCy: { likelyConsequences: 'Uwchraddio i ffôn newydd.' } })
      .expect(422);
    expect(selling.body.details[0]).toMatchObject({ field: 'varsCy.likelyConsequences' });
    await t
      .http()
      .patch(`/campaigns/${c.id}`)
      .set(as('comms'))
      .send({ vars: { likelyConsequences: `${likelyConsequences} Questions: 0800 123 4567.` } })
      .expect(200);
    p = await preview(c.id);
    expect(p.notice.annexII).toMatchObject({ complete: true, missing: [] });

    const numbers = await seed(2, 'NW');
    await upload(c.id, ['NW-0', 'NW-1']);

    // Approved by a second person, warned that some Welsh is missing; no more edits after that.
    const approved = await t.http().post(`/campaigns/${c.id}/approve`).set(as('supervisor')).expect(200);
    expect(approved.body.warnings[0]).toMatch(/No Welsh text for: .*dataConcerned/);
    await t
      .http()
      .patch(`/campaigns/${c.id}`)
      .set(as('comms'))
      .send({ vars: { whatHappened: 'changed after approval' } })
      .expect(409);
    await t.http().post(`/campaigns/${c.id}/start`).set(as('comms')).expect(200);

    // The Welsh customer's text links to the incident in Welsh; the English email carries every item.
    const texts = await sms.messages.waitFor(
      (all) => numbers.every((n) => all.some((m) => m.to === n)),
      30_000,
      'the breach notice SMS to both customers',
    );
    expect(texts.find((m) => m.to === numbers[0])!.body).toContain(`/status/incidents/${incidentId}?lang=cy`);
    expect(texts.find((m) => m.to === numbers[1])!.body).toContain(`/status/incidents/${incidentId} `);
    const mails = await mail.messages.waitFor(
      (all) => all.filter((m) => /^nw\d@/.test(m.envelopeTo[0])).length === 2,
      30_000,
      'the breach notice emails',
    );
    const en = mails.find((m) => m.envelopeTo[0] === 'nw1@example.net')!.parsed.text!;
    for (const v of Object.values(NOTICE_VARS).filter((x) => x !== NOTICE_VARS.incidentTitle))
      expect(en).toContain(v);
    expect(en).toContain('Candor Mobile');
    expect(en).toContain('0800 123 4567');
    const cy = mails.find((m) => m.envelopeTo[0] === 'nw0@example.net')!.parsed.text!;
    expect(cy).toContain('Roedd nam yn ein porth gwe wedi rhannu eich rhif.');
    expect(cy).toContain(`${base}/account?lang=cy`);

    // The ICO notification takes its paragraphs from the approved notice.
    const ico = (
      await t.http().get(`/incidents/${incidentId}/regulator-notification`).set(as('comms')).expect(200)
    ).body;
    expect(ico.likelyConsequences).toContain(likelyConsequences);
    expect(ico.dataConcerned).toBe(NOTICE_VARS.dataConcerned);
  });

  it('an offer notice: the words comms write, Welsh where given, the offers link filled in', async () => {
    const c = await campaign({
      kind: 'offer-notice',
      channelPolicy: 'sms',
      vars: { offerName: 'a £5 credit', keyword: 'SORRY5' },
      varsCy: { offerName: 'credyd o £5' },
    });
    const p = await preview(c.id);
    expect(p.notice.annexII).toBeNull();
    const cy = p.notice.rendered.find((r: any) => r.channel === 'sms' && r.locale === 'cy');
    expect(cy.text).toContain('credyd o £5');
    expect(cy.text).toContain('/account/offers?lang=cy');
    expect(p.notice.missingParagraphs).toEqual(['apology']);
    // Approval waits for the paragraph.
    const refused = await t.http().post(`/campaigns/${c.id}/approve`).set(as('supervisor')).expect(422);
    expect(refused.body.message).toMatch(/apology/);
    await t
      .http()
      .patch(`/campaigns/${c.id}`)
      .set(as('comms'))
      .send({ vars: { apology: 'We are sorry we shared your number.' } })
      .expect(200);
    const ok = await t.http().post(`/campaigns/${c.id}/approve`).set(as('supervisor')).expect(200);
    expect(ok.body.warnings).toEqual(['No Welsh text for: apology; Welsh recipients will read the English.']);
    await t.http().post(`/campaigns/${c.id}/cancel`).set(as('comms')).expect(200);
  });

  it('counts who already got this kind for this incident recently, and leaves them out on request', async () => {
    const numbers = await seed(3, 'RP');
    const first = await campaign({
      vars: NOTICE_VARS,
      varsCy: {},
      channelPolicy: 'sms',
      ignoreQuietHours: true,
    });
    await upload(first.id, ['RP-0', 'RP-1']);
    await t.http().post(`/campaigns/${first.id}/approve`).set(as('supervisor')).expect(200);
    await t.http().post(`/campaigns/${first.id}/start`).set(as('comms')).expect(200);
    await sms.messages.waitFor(
      (all) => numbers.slice(0, 2).every((n) => all.some((m) => m.to === n)),
      30_000,
      'the first notice to RP-0 and RP-1',
    );

    const second = await campaign({ vars: NOTICE_VARS, channelPolicy: 'sms', ignoreQuietHours: true });
    await upload(second.id, ['RP-0', 'RP-1', 'RP-2']);
    let p = await preview(second.id);
    expect(p.audience).toBe(3);
    expect(p.repeatRecipients).toMatchObject({
      count: 2,
      earlierCampaigns: 2, // the first test's notice and this one's first
      excluded: false,
      windowHours: 72,
    });
    expect(p.repeatRecipients.message).toMatch(/^2 of this audience already got a breach-notice/);
    // The preview can show the audience without them before anyone decides.
    p = await preview(second.id, '?excludeRecent=true');
    expect(p).toMatchObject({
      audience: 1,
      messages: { sms: 1 },
      repeatRecipients: { count: 2, excluded: true },
    });
    // Another kind of message for the incident is not a repeat.
    const offer = await campaign({
      kind: 'offer-notice',
      channelPolicy: 'sms',
      vars: { offerName: 'a £5 credit', keyword: 'SORRY6', apology: 'Sorry.' },
    });
    await upload(offer.id, ['RP-0']);
    expect((await preview(offer.id)).repeatRecipients.count).toBe(0);
    // Long after the window, nobody is a repeat.
    t.clock.travelTo(new Date(Date.now() + 73 * 3_600_000));
    ({ tokens } = await staffTokens(t)); // staff sessions count on the Clock
    expect((await preview(second.id)).repeatRecipients).toMatchObject({ count: 0, earlierCampaigns: 0 });
    t.clock.reset();
    ({ tokens } = await staffTokens(t));

    // Left out: only the new person gets the second notice.
    await t
      .http()
      .patch(`/campaigns/${second.id}`)
      .set(as('comms'))
      .send({ excludeRecentRecipients: true })
      .expect(200);
    await t.http().post(`/campaigns/${second.id}/approve`).set(as('supervisor')).expect(200);
    await t.http().post(`/campaigns/${second.id}/start`).set(as('comms')).expect(200);
    const progress = await eventually(
      async () => {
        const r = (await t.http().get(`/campaigns/${second.id}/progress`).set(as('comms')).expect(200)).body;
        return r.status === 'completed' ? r : null;
      },
      30_000,
      'the second campaign to complete',
    );
    expect(progress.build.audience).toBe(1);
    const rows = await t.db.query(
      `SELECT s.account_id FROM messages m JOIN subscribers s ON s.id = m.subscriber_id WHERE m.campaign_id = $1`,
      [second.id],
    );
    expect(rows.map((r: any) => r.account_id)).toEqual(['RP-2']);
  });

  it('says what holds a campaign in quiet hours and when sending resumes, in UK time and ISO', async () => {
    const numbers = await seed(1, 'QH');
    // 22:10 on a winter night: quiet until 08:00 GMT.
    t.clock.travelTo(new Date('2026-12-03T22:10:00Z'));
    ({ tokens } = await staffTokens(t));
    const c = await campaign({ vars: NOTICE_VARS, channelPolicy: 'sms' });
    await upload(c.id, ['QH-0']);
    const p = await preview(c.id);
    expect(p.holds).toEqual([
      expect.objectContaining({
        channel: 'sms',
        reason: 'quiet_hours',
        resumesAt: '2026-12-04T08:00:00.000Z',
        resumesAtUk: 'Fri 4 Dec 2026, 08:00 GMT',
      }),
    ]);
    expect(p.etaSeconds.sms).toBeGreaterThanOrEqual(9 * 3600 + 49 * 60);
    await t.http().post(`/campaigns/${c.id}/approve`).set(as('supervisor')).expect(200);
    await t.http().post(`/campaigns/${c.id}/start`).set(as('comms')).expect(200);
    const progress = (await t.http().get(`/campaigns/${c.id}/progress`).set(as('comms')).expect(200)).body;
    expect(progress.totals).toEqual({ pending: 1 });
    expect(progress.holds[0]).toMatchObject({
      reason: 'quiet_hours',
      resumesAtUk: 'Fri 4 Dec 2026, 08:00 GMT',
    });
    expect(progress.etaSeconds).toBeGreaterThanOrEqual(9 * 3600 + 49 * 60);
    expect(sms.messages.filter((m) => m.to === numbers[0])).toHaveLength(0);
    // An urgent notice that overrides quiet hours is not held.
    const urgent = await campaign({ vars: NOTICE_VARS, channelPolicy: 'sms', ignoreQuietHours: true });
    await upload(urgent.id, ['QH-0']);
    expect((await preview(urgent.id)).holds).toEqual([]);
    await t.http().post(`/campaigns/${c.id}/cancel`).set(as('comms')).expect(200);
  });
});
