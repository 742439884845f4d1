import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { UsersService } from '../src/identity/users.service';
import { RemindersService } from '../src/incidents/reminders.service';
import { Clock } from '../src/platform/clock/clock';
import { SmtpSink } from '../src/sandbox/smtp-sink';
import { startTestApp, TestApp } from './helpers/app';
import { openIncidentWithUpdate, publishUpdate } from './helpers/incidents';
import { count, PASSWORD, staffTokens } from './helpers/staff';

/** Issue 17 (and F2/F20 of issue 18): comms in control of what is said, and truthful pages. */
describe('comms control: status, privacy at drafting, breach rules, public text, the chase', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let ids: Record<string, string>;
  const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens, ids } = await staffTokens(t));
  });
  afterAll(() => t?.close());

  const page = async (path: string) => (await t.http().get(path).expect(200)).text;

  it('a no-change update keeps the status; a move back is explicit and shown as such', async () => {
    const { incidentId } = await openIncidentWithUpdate(t, tokens, {}, { template: 'monitoring' });
    await publishUpdate(t, tokens, incidentId, { template: 'no-change' });
    let detail = (await t.http().get(`/incidents/${incidentId}`).set(as('comms')).expect(200)).body;
    expect(detail.status).toBe('monitoring');
    // the "investigating" template on a monitored incident does not move it back either
    const d = await t
      .http()
      .post(`/incidents/${incidentId}/updates`)
      .set(as('comms'))
      .send({ template: 'investigating' })
      .expect(201);
    expect(d.body.incidentStatus).toBe('monitoring');
    // choosing an earlier status is allowed, warned about, and shown on the page
    const back = await t
      .http()
      .post(`/incidents/${incidentId}/updates`)
      .set(as('comms'))
      .send({ body: 'The fix did not hold; we are investigating again.', incidentStatus: 'investigating' })
      .expect(201);
    expect(back.body.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/moves the status back from monitoring to investigating/),
      ]),
    );
    await t
      .http()
      .post(`/incidents/${incidentId}/updates/${back.body.id}/approve`)
      .set(as('supervisor'))
      .expect(200);
    await t
      .http()
      .post(`/incidents/${incidentId}/updates/${back.body.id}/publish`)
      .set(as('comms'))
      .expect(200);
    detail = (await t.http().get(`/incidents/${incidentId}`).set(as('comms')).expect(200)).body;
    expect(detail.status).toBe('investigating');
    expect(await page(`/status/incidents/${incidentId}`)).toContain('Status moved back from Monitoring');
  });

  it('runs the privacy check as the author saves: the helpline passes, spaced digits do not (F20)', async () => {
    const { incidentId } = await openIncidentWithUpdate(t, tokens);
    const ok = await t
      .http()
      .post(`/incidents/${incidentId}/updates`)
      .set(as('comms'))
      .send({ body: 'Questions? Call our helpline on 0800 123 4567 or write to help@candor.example.' })
      .expect(201);
    expect(ok.body.status).toBe('draft');
    for (const body of ['Customer 0 7 9 1 1 1 2 3 4 5 6 called us.', 'Customer 07911.123.456 called us.']) {
      const refused = await t
        .http()
        .post(`/incidents/${incidentId}/updates`)
        .set(as('comms'))
        .send({ body })
        .expect(422);
      expect(refused.body.details).toEqual([
        {
          field: 'body',
          messages: [expect.stringMatching(/^looks like a phone number \(\+44 7\*\*\* \*\*\*456\)$/)],
        },
      ]);
      expect(JSON.stringify(refused.body)).not.toMatch(/123.?456/);
    }
    const email = await t
      .http()
      .patch(`/incidents/${incidentId}/updates/${ok.body.id}`)
      .set(as('comms'))
      .send({ bodyCy: 'E-bostiwch jane@example.com' })
      .expect(422);
    expect(email.body.details[0].messages[0]).toMatch(/^looks like an email address/);
    const link = await t
      .http()
      .post(`/incidents/${incidentId}/updates`)
      .set(as('comms'))
      .send({ body: 'Claim at http://198.51.100.7/claim' })
      .expect(422);
    expect(link.body.details[0].messages[0]).toMatch(/link that is not allowed/);
  });

  it('F11: an offer name with a link that breaks the rule is refused (it goes verbatim into claim messages)', async () => {
    for (const name of [
      'Refund at http://198.51.100.7/claim',
      'Sorry: claim at https://0xC6336407/x',
      'Call 07911 123456',
    ]) {
      const res = await t
        .http()
        .post('/compensation/offers')
        .set(as('supervisor'))
        .send({
          name,
          kind: 'credit',
          value: 500,
          eligibility: 'all',
          mode: 'claim',
          claimClosesAt: new Date(Date.now() + 24 * 3600_000).toISOString(),
        })
        .expect(422);
      expect(res.body.details[0].field).toBe('name');
    }
  });

  it('F2: once public, title and advice change only through a text change a second person approves', async () => {
    const { incidentId } = await openIncidentWithUpdate(t, tokens);
    const patch = await t
      .http()
      .patch(`/incidents/${incidentId}`)
      .set(as('comms'))
      .send({ advice: 'New advice, unreviewed.' })
      .expect(409);
    expect(patch.body.message).toMatch(/text change approved by a second person/);
    // a phishing link is refused at once, for the author
    await t
      .http()
      .post(`/incidents/${incidentId}/text-changes`)
      .set(as('comms'))
      .send({ advice: 'Claim a refund at https://evil.example/refund' })
      .expect(422);
    const change = await t
      .http()
      .post(`/incidents/${incidentId}/text-changes`)
      .set(as('comms'))
      .send({ advice: 'Ignore unexpected calls.', affectedServicesCy: ['pori’r we symudol'] })
      .expect(201);
    expect(change.body.status).toBe('draft');
    expect(await page('/status')).not.toContain('Ignore unexpected calls.');
    await t
      .http()
      .post(`/incidents/${incidentId}/text-changes/${change.body.id}/approve`)
      .set(as('comms'))
      .expect(403);
    const applied = await t
      .http()
      .post(`/incidents/${incidentId}/text-changes/${change.body.id}/approve`)
      .set(as('supervisor'))
      .expect(200);
    expect(applied.body.advice).toBe('Ignore unexpected calls.');
    await t
      .http()
      .post(`/incidents/${incidentId}/text-changes/${change.body.id}/approve`)
      .set(as('admin'))
      .expect(409);
    expect(await page(`/status/incidents/${incidentId}`)).toContain('Ignore unexpected calls.');
    expect(await page(`/status/incidents/${incidentId}?lang=cy`)).toContain('pori’r we symudol');
    expect(
      await count(
        t.db,
        `SELECT count(*) n FROM audit_events WHERE target_id = $1 AND action LIKE 'incident.text_change.%'`,
        [incidentId],
      ),
    ).toBe(2);
    // before it is public, the author may still edit freely
    const draftOnly = await t
      .http()
      .post('/incidents')
      .set(as('comms'))
      .send({ title: 'Not yet public', impact: 'minor', detectedAt: new Date().toISOString() })
      .expect(201);
    await t
      .http()
      .patch(`/incidents/${draftOnly.body.id}`)
      .set(as('comms'))
      .send({ advice: 'Wait.' })
      .expect(200);
  });

  it('runs regulator clocks only on breaches, from became-aware, by the selected rule', async () => {
    const plain = await openIncidentWithUpdate(t, tokens, {
      title: 'Texts delayed',
      impact: 'minor',
      personalDataBreach: false,
    });
    const plainDetail = (await t.http().get(`/incidents/${plain.incidentId}`).set(as('comms'))).body;
    expect(plainDetail.regulatorClocks).toEqual([]);
    await t
      .http()
      .post(`/incidents/${plain.incidentId}/regulator-notices/pecr_5a`)
      .set(as('supervisor'))
      .send({ reference: 'ICO-0' })
      .expect(422);

    const aware = new Date(Date.now() - 70 * 3600_000);
    const breach = await t
      .http()
      .post('/incidents')
      .set(as('comms'))
      .send({
        title: 'Numbers shared with websites',
        impact: 'major',
        detectedAt: new Date(aware.getTime() - 24 * 3600_000).toISOString(),
        personalDataBreach: true,
        becameAwareAt: aware.toISOString(),
        regulatorRules: ['pecr_5a_2025', 'pecr_legacy_24h'],
      })
      .expect(201);
    const id = breach.body.id;
    const clocks = (await t.http().get(`/incidents/${id}`).set(as('comms'))).body.regulatorClocks;
    expect(clocks.map((c: any) => [c.kind, c.state, c.deadline])).toEqual([
      ['pecr_5a', 'running', new Date(aware.getTime() + 72 * 3600_000).toISOString()],
      ['pecr_legacy_initial', 'overdue', new Date(aware.getTime() + 24 * 3600_000).toISOString()],
      ['pecr_legacy_full', 'running', new Date(aware.getTime() + 96 * 3600_000).toISOString()],
    ]);
    // a late legacy notice without reasons... the legacy initial asks none; the 5A one, once late, does
    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/pecr_5a`)
      .set(as('supervisor'))
      .send({ reference: 'ICO-1', notifiedAt: new Date(aware.getTime() + 73 * 3600_000).toISOString() })
      .expect(422);
    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/pecr_5a`)
      .set(as('supervisor'))
      .send({ reference: 'ICO-1', phase: 'further' })
      .expect(422); // the initial one first
    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/pecr_5a`)
      .set(as('supervisor'))
      .send({ reference: 'ICO-1' })
      .expect(201);
    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/pecr_5a`)
      .set(as('admin'))
      .send({ reference: 'ICO-1', phase: 'further' })
      .expect(201);
    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/pecr_5a`)
      .set(as('admin'))
      .send({ reference: 'ICO-1b' })
      .expect(409);
    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/uk_gdpr_art33`)
      .set(as('admin'))
      .send({ reference: 'x' })
      .expect(422); // not a duty of the selected rules
    const after = (await t.http().get(`/incidents/${id}`).set(as('comms'))).body;
    expect(after.regulatorClocks[0]).toMatchObject({ state: 'done', reference: 'ICO-1' });
    expect(after.regulatorClocks[0].phases.map((p: any) => p.phase)).toEqual(['initial', 'further']);
    expect(after.regulatorNotices[0].content).toMatchObject({ provider: 'Candor Mobile', incidentId: id });

    const draft = (await t.http().get(`/incidents/${id}/regulator-notification`).set(as('comms')).expect(200))
      .body;
    expect(draft).toMatchObject({
      provider: 'Candor Mobile',
      contactPoint: '0800 123 4567',
      becameAwareAt: aware.toISOString(),
    });
    expect(draft.missing).toEqual(expect.arrayContaining([expect.stringMatching(/^dataConcerned/)]));
    const text = (
      await t.http().get(`/incidents/${id}/regulator-notification.txt`).set(as('comms')).expect(200)
    ).text;
    expect(text).toContain('Nature of the breach: Numbers shared with websites');
    const log = await t.http().get('/incidents/breach-log.csv').set(as('supervisor')).expect(200);
    expect(log.headers['content-type']).toMatch(/text\/csv/);
    const lines = log.text.trim().split('\n');
    expect(lines.some((l) => l.startsWith(id) && l.includes('pecr_5a/initial'))).toBe(true);
    expect(lines.some((l) => l.startsWith(plain.incidentId))).toBe(false);
  });

  it('shows breach help only where it applies', async () => {
    const minor = await openIncidentWithUpdate(t, tokens, {
      title: 'Texts delayed',
      impact: 'minor',
      personalDataBreach: false,
    });
    const minorPage = await page(`/status/incidents/${minor.incidentId}`);
    expect(minorPage).not.toContain('id="affected"');
    expect(minorPage).not.toContain('id="number-change"');
    expect(minorPage).toContain('id="genuine"');
    const breach = await openIncidentWithUpdate(t, tokens, {
      personalDataBreach: true,
      helpBlocks: ['affected'],
    });
    const breachPage = await page(`/status/incidents/${breach.incidentId}`);
    expect(breachPage).toContain('id="affected"');
    expect(breachPage).not.toContain('id="offers"');
    // the index: the major breach is listed above the minor one, whatever their order of creation
    const index = await page('/status');
    expect(index.indexOf(`t-${breach.incidentId}`)).toBeLessThan(index.indexOf(`t-${minor.incidentId}`));
  });

  it('names the comms lead and deputy when the incident is opened; a support user cannot be either', async () => {
    const opened = await t
      .http()
      .post('/incidents')
      .set(as('supervisor'))
      .send({
        title: 'Texts delayed',
        impact: 'minor',
        detectedAt: new Date().toISOString(),
        commsLeadId: ids.comms,
        commsDeputyId: ids.admin,
      })
      .expect(201);
    const [row] = await t.db.query(`SELECT comms_lead_id, comms_deputy_id FROM incidents WHERE id = $1`, [
      opened.body.id,
    ]);
    expect(row).toEqual({ comms_lead_id: ids.comms, comms_deputy_id: ids.admin });
    const refused = await t
      .http()
      .post('/incidents')
      .set(as('supervisor'))
      .send({
        title: 'No',
        impact: 'minor',
        detectedAt: new Date().toISOString(),
        commsDeputyId: ids.support,
      })
      .expect(400);
    expect(refused.body.details).toEqual([
      { field: 'commsDeputyId', messages: ['must be an active comms, supervisor or admin user'] },
    ]);
  });

  it('the chase: the lead is reminded with the real minutes left; a lapsed promise shows "late"', async () => {
    const users = t.get<UsersService>(UsersService);
    const lead = await users.create(
      { email: `lead-${Date.now()}@candor.test`, displayName: 'Lead', role: 'comms', password: PASSWORD },
      SYSTEM_ACTOR,
    );
    const { incidentId, updateId } = await openIncidentWithUpdate(t, tokens);
    await t
      .http()
      .patch(`/incidents/${incidentId}`)
      .set(as('comms'))
      .send({ commsLeadId: lead.id })
      .expect(200);
    const promise = new Date(
      (await t.http().get(`/incidents/${incidentId}`).set(as('comms'))).body.nextUpdateBy,
    );
    const clock = t.get<Clock>(Clock);
    const reminders = t.get<RemindersService>(RemindersService);
    const mail = t.get<SmtpSink>(SmtpSink);
    // The worker ticks too (same clock): read what fired from the table, whichever tick recorded it.
    const fired = async () => {
      await reminders.tick();
      const rows = await t.db.query(
        `SELECT kind, recipients FROM incident_reminders WHERE update_id = $1 ORDER BY fired_at, kind`,
        [updateId],
      );
      return rows.map((r: any) => [r.kind, r.recipients]);
    };
    try {
      clock.travelTo(new Date(promise.getTime() - 3 * 60_000 - 30_000)); // 3.5 minutes left
      expect(await fired()).toEqual([['due_soon', 1]]);
      const due = await mail.messages.waitFor((all) =>
        all.some(
          (m: any) => m.parsed.text?.includes(incidentId) && m.parsed.subject.startsWith('Next update due'),
        ),
      );
      const msg = due.find((m: any) => m.parsed.text?.includes(incidentId))!;
      expect(msg.envelopeTo).toEqual([lead.email]);
      expect(msg.parsed.text).toContain('in 3 minutes');
      expect(msg.parsed.text).not.toContain('10 minutes');

      // the promise lapses: the page says the update is late and when it was due
      clock.travelTo(new Date(promise.getTime() + 60_000));
      const late = await page(`/status/incidents/${incidentId}`);
      expect(late).toContain('The next update is late. It was due by');
      const comms = await count(t.db, `SELECT count(*) n FROM staff_users WHERE active AND role = 'comms'`);
      expect(await fired()).toEqual([
        ['due_soon', 1],
        ['overdue', comms],
      ]);
      clock.travelTo(new Date(promise.getTime() + 11 * 60_000));
      const withSupervisors = await count(
        t.db,
        `SELECT count(*) n FROM staff_users WHERE active AND role IN ('comms', 'supervisor')`,
      );
      expect(await fired()).toEqual([
        ['due_soon', 1],
        ['overdue', comms],
        ['escalated', withSupervisors],
      ]);
      // the next update ends it
      await publishUpdate(t, tokens, incidentId, { template: 'no-change' });
      expect(await page(`/status/incidents/${incidentId}`)).not.toContain('is late');
    } finally {
      clock.reset();
    }
    expect(ids.comms).toEqual(expect.any(String));
  });

  it('keeps update templates as versioned data that supervisors edit', async () => {
    await t
      .http()
      .put('/incidents/update-templates/no-change')
      .set(as('comms'))
      .send({ body: 'x {{services}}', bodyCy: 'y {{services}}' })
      .expect(403);
    await t
      .http()
      .put('/incidents/update-templates/no-change')
      .set(as('supervisor'))
      .send({ body: 'Hello {{title}}', bodyCy: 'Helo' })
      .expect(400);
    const saved = await t
      .http()
      .put('/incidents/update-templates/no-change')
      .set(as('supervisor'))
      .send({
        body: 'Nothing new yet on {{services}}; we are still on it.',
        bodyCy: 'Dim byd newydd eto ar {{services}}; rydym yn dal arni.',
      })
      .expect(200);
    expect(saved.body).toMatchObject({ key: 'no-change', version: 2, incidentStatus: null });
    const versions = (await t.http().get('/incidents/update-templates/no-change/versions').set(as('support')))
      .body;
    expect(versions.map((v: any) => v.version)).toEqual([2, 1]);
    const { incidentId } = await openIncidentWithUpdate(t, tokens);
    const d = await t
      .http()
      .post(`/incidents/${incidentId}/updates`)
      .set(as('comms'))
      .send({ template: 'no-change' })
      .expect(201);
    expect(d.body.body).toBe('Nothing new yet on mobile web browsing; we are still on it.');
    await t
      .http()
      .post(`/incidents/${incidentId}/updates`)
      .set(as('comms'))
      .send({ template: 'no-such-template' })
      .expect(422);
    expect(
      await count(t.db, `SELECT count(*) n FROM audit_events WHERE action = 'incident.template.save'`),
    ).toBe(1);
  });
});
