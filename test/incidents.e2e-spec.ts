import { Clock } from '../src/platform/clock/clock';
import { RemindersService } from '../src/incidents/reminders.service';
import { SmtpSink } from '../src/sandbox/smtp-sink';
import { startTestApp, TestApp } from './helpers/app';
import { openIncidentWithUpdate, publishUpdate } from './helpers/incidents';
import { count, staffTokens } from './helpers/staff';

describe('incidents: updates, approval, cadence, regulator clocks', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let ids: Record<string, string>;
  const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens, ids } = await staffTokens(t));
  });
  afterAll(() => t?.close());

  async function newIncident(extra: Record<string, unknown> = {}) {
    const res = await t
      .http()
      .post('/incidents')
      .set(as('comms'))
      .send({ title: 'Gateway leak', impact: 'critical', detectedAt: new Date().toISOString(), ...extra })
      .expect(201);
    return res.body.id as string;
  }

  async function draft(incidentId: string, body: Record<string, unknown>, role = 'comms') {
    return (await t.http().post(`/incidents/${incidentId}/updates`).set(as(role)).send(body).expect(201))
      .body;
  }

  it('takes an update from draft through a second person’s approval to published', async () => {
    const id = await newIncident({ affectedServices: ['web gateway'] });
    const d = await draft(id, { template: 'identified' });
    expect(d).toMatchObject({ status: 'draft', incidentStatus: 'identified' });
    expect(d.body).toContain('web gateway');

    // not yet approved: cannot publish
    const early = await t
      .http()
      .post(`/incidents/${id}/updates/${d.id}/publish`)
      .set(as('comms'))
      .expect(409);
    expect(early.body.message).toMatch(/cannot publish an update that is draft/);
    // the default approver role is supervisor; another comms person is not enough
    await t.http().post(`/incidents/${id}/updates/${d.id}/approve`).set(as('comms')).expect(403);
    await t.http().post(`/incidents/${id}/updates/${d.id}/approve`).set(as('supervisor')).expect(200);
    // approved text is frozen
    await t
      .http()
      .patch(`/incidents/${id}/updates/${d.id}`)
      .set(as('comms'))
      .send({ body: 'changed' })
      .expect(409);

    const before = Date.now();
    const pub = await t.http().post(`/incidents/${id}/updates/${d.id}/publish`).set(as('comms')).expect(200);
    expect(pub.body.status).toBe('published');
    const promise = new Date(pub.body.nextUpdateBy).getTime();
    expect(promise).toBeGreaterThanOrEqual(before + 60 * 60_000 - 1000);
    expect(promise).toBeLessThanOrEqual(Date.now() + 60 * 60_000 + 1000);

    const detail = (await t.http().get(`/incidents/${id}`).set(as('support')).expect(200)).body;
    expect(detail.status).toBe('identified');
    expect(detail.nextUpdateBy).toBe(pub.body.nextUpdateBy);
    expect(
      await count(
        t.db,
        `SELECT count(*) n FROM audit_events WHERE target_id = $1 AND action LIKE 'incident.update.%'`,
        [d.id],
      ),
    ).toBe(3);
    // a second publish of the same update is refused
    await t.http().post(`/incidents/${id}/updates/${d.id}/publish`).set(as('comms')).expect(409);
  });

  it('refuses approval by the author, even a supervisor, and honours per-incident approver roles', async () => {
    const id = await newIncident();
    const own = await draft(id, { body: 'Investigating.' }, 'supervisor');
    const res = await t
      .http()
      .post(`/incidents/${id}/updates/${own.id}/approve`)
      .set(as('supervisor'))
      .expect(403);
    expect(res.body.message).toMatch(/someone other than its author/);

    // comms may not widen the approvers; a supervisor may
    await t
      .http()
      .patch(`/incidents/${id}`)
      .set(as('comms'))
      .send({ approverRoles: ['comms'] })
      .expect(403);
    await t
      .http()
      .patch(`/incidents/${id}`)
      .set(as('supervisor'))
      .send({ approverRoles: ['comms', 'supervisor'] })
      .expect(200);
    await t.http().post(`/incidents/${id}/updates/${own.id}/approve`).set(as('comms')).expect(200);
  });

  it('publishes exactly once when two people press publish at the same moment', async () => {
    const id = await newIncident();
    const d = await draft(id, { body: 'We are investigating.' });
    await t.http().post(`/incidents/${id}/updates/${d.id}/approve`).set(as('supervisor')).expect(200);
    const results = await Promise.all(
      [0, 1, 2].map(() => t.http().post(`/incidents/${id}/updates/${d.id}/publish`).set(as('comms'))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(
      await count(
        t.db,
        `SELECT count(*) n FROM audit_events WHERE target_id = $1 AND action = 'incident.update.publish'`,
        [d.id],
      ),
    ).toBe(1);
  });

  describe('PII guard', () => {
    it.each([
      ['a mobile number', 'Call us on 07911 123456', 'a phone number'],
      ['an email address', 'Write to jane.doe@example.com', 'an email address'],
      ['an account id', 'Account 12345678 was affected', 'an account id'],
    ])('refuses %s as the author drafts and names what it found', async (_what, text, kind) => {
      const id = await newIncident();
      const res = await t
        .http()
        .post(`/incidents/${id}/updates`)
        .set(as('comms'))
        .send({ body: 'Fine in English', bodyCy: text })
        .expect(422);
      expect(res.body.message).toContain(`bodyCy contains something that looks like ${kind}`);
      expect(res.body.details).toEqual([{ field: 'bodyCy', messages: [expect.stringContaining(kind)] }]);
      expect(res.body.message).not.toContain('123456');
      expect((await t.http().get(`/incidents/${id}`).set(as('comms'))).body.updates).toEqual([]);
    });

    it('refuses personal data in the incident’s public fields', async () => {
      const res = await t
        .http()
        .post('/incidents')
        .set(as('comms'))
        .send({
          title: 'Leak',
          impact: 'major',
          detectedAt: new Date().toISOString(),
          advice: 'Text 07911 123456',
        })
        .expect(422);
      expect(res.body.details[0].field).toBe('advice');
    });
  });

  it('keeps published history immutable: corrections are visible revisions', async () => {
    const { incidentId, updateId } = await openIncidentWithUpdate(
      t,
      tokens,
      {},
      { body: 'About 10,000 customers affected.' },
    );
    const fix = await draft(incidentId, { body: 'About 1,000 customers affected.', correctsId: updateId });
    expect(fix).toMatchObject({ correctsId: updateId, nextUpdateBy: null });
    await t
      .http()
      .post(`/incidents/${incidentId}/updates/${fix.id}/approve`)
      .set(as('supervisor'))
      .expect(200);
    await t.http().post(`/incidents/${incidentId}/updates/${fix.id}/publish`).set(as('comms')).expect(200);

    await expect(
      t.db.query(`UPDATE incident_updates SET body = 'silent edit' WHERE id = $1`, [updateId]),
    ).rejects.toThrow(/immutable/);
    await expect(t.db.query(`DELETE FROM incident_updates WHERE id = $1`, [updateId])).rejects.toThrow(
      /cannot be deleted/,
    );
    // the promise still comes from the original update, not the correction
    const detail = (await t.http().get(`/incidents/${incidentId}`).set(as('comms'))).body;
    expect(detail.nextUpdateBy).toBe(detail.updates.find((u: any) => u.id === updateId).nextUpdateBy);
    // only published updates can be corrected
    const d = await draft(incidentId, { body: 'x' });
    await t
      .http()
      .post(`/incidents/${incidentId}/updates`)
      .set(as('comms'))
      .send({ body: 'y', correctsId: d.id })
      .expect(422);
  });

  it('validates input with field messages', async () => {
    const res = await t
      .http()
      .post('/incidents')
      .set(as('comms'))
      .send({ title: '', impact: 'apocalyptic', detectedAt: 'yesterday', approverRoles: ['king'] })
      .expect(400);
    expect(res.body.details.map((d: any) => d.field).sort()).toEqual([
      'approverRoles',
      'detectedAt',
      'impact',
      'title',
    ]);
  });

  it('reminds on-duty comms 10 minutes before the promise, again when overdue, then supervisors too (fake clock)', async () => {
    const { incidentId } = await openIncidentWithUpdate(t, tokens);
    const promise = new Date(
      (await t.http().get(`/incidents/${incidentId}`).set(as('comms'))).body.nextUpdateBy,
    );
    const clock = t.get<Clock>(Clock);
    const reminders = t.get<RemindersService>(RemindersService);
    const at = (msBefore: number) => clock.travelTo(new Date(promise.getTime() - msBefore));
    const mine = (fired: Array<{ incidentId: string; kind: string }>) =>
      fired.filter((r) => r.incidentId === incidentId).map((r) => r.kind);
    try {
      at(10 * 60_000 + 1000);
      expect(mine(await reminders.tick())).toEqual([]);
      at(10 * 60_000);
      const dueSoon = await reminders.tick();
      expect(mine(dueSoon)).toEqual(['due_soon']);
      // comms users only (one email each; none of the test users has a phone)
      const comms = await count(t.db, `SELECT count(*) n FROM staff_users WHERE active AND role = 'comms'`);
      expect(dueSoon.find((r) => r.incidentId === incidentId)!.recipients).toBe(comms);
      expect(mine(await reminders.tick())).toEqual([]); // once only
      at(0);
      const overdue = await reminders.tick();
      expect(mine(overdue)).toEqual(['overdue']);
      expect(overdue.find((r) => r.incidentId === incidentId)!.recipients).toBe(comms);
      at(-10 * 60_000);
      const escalatedNow = await reminders.tick();
      expect(mine(escalatedNow)).toEqual(['escalated']);
      const escalated = await count(
        t.db,
        `SELECT count(*) n FROM staff_users WHERE active AND role IN ('comms', 'supervisor')`,
      );
      expect(escalatedNow.find((r) => r.incidentId === incidentId)!.recipients).toBe(escalated);
      expect(mine(await Promise.all([reminders.tick(), reminders.tick()]).then((a) => a.flat()))).toEqual([]);
    } finally {
      clock.reset();
    }
    // delivered through the notifications pipeline: one email per comms user per reminder, supervisors once
    const mail = t.get<SmtpSink>(SmtpSink);
    const about = (subject: string) => (m: any) =>
      m.parsed.subject.startsWith(subject) && m.parsed.text.includes(incidentId);
    // both reminders' emails are sent concurrently: wait for all of them, in whatever order they arrive
    await mail.messages.waitFor(
      (all) =>
        all.filter(about('OVERDUE public update')).length >= 3 &&
        all.filter(about('Next update due by')).length >= 1,
    );
    expect(mail.messages.filter(about('Next update due by')).map((m) => m.envelopeTo[0])).toEqual([
      expect.stringMatching(/^comms-/),
    ]);
    expect(
      mail.messages
        .filter(about('OVERDUE public update'))
        .map((m) => m.envelopeTo[0].split('-')[0])
        .sort(),
    ).toEqual(['comms', 'comms', 'supervisor']);
    const listed = await t
      .http()
      .get(`/incidents/reminders?incidentId=${incidentId}`)
      .set(as('support'))
      .expect(200);
    expect(listed.body.map((r: any) => r.kind)).toEqual(['escalated', 'overdue', 'due_soon']);

    // a new update makes a new promise (here two hours on): the old one no longer reminds anyone
    const later = new Date(promise.getTime() + 2 * 3600_000).toISOString();
    await publishUpdate(t, tokens, incidentId, { template: 'no-change', nextUpdateBy: later });
    clock.travelTo(new Date(promise.getTime() + 5 * 60_000));
    try {
      expect(mine(await reminders.tick())).toEqual([]);
    } finally {
      clock.reset();
    }
  });

  it('sends no reminders for a resolved incident', async () => {
    const { incidentId } = await openIncidentWithUpdate(t, tokens);
    await publishUpdate(t, tokens, incidentId, { template: 'resolved' });
    const detail = (await t.http().get(`/incidents/${incidentId}`).set(as('comms'))).body;
    expect(detail).toMatchObject({ status: 'resolved', nextUpdateBy: null });
    expect(detail.resolvedAt).toEqual(expect.any(String));
    const clock = t.get<Clock>(Clock);
    clock.travelTo(new Date(Date.now() + 48 * 3600_000));
    try {
      const fired = await t.get<RemindersService>(RemindersService).tick();
      expect(fired.filter((r) => r.incidentId === incidentId)).toEqual([]);
    } finally {
      clock.reset();
    }
  });

  it('shows regulator clocks of a breach counting from became-aware and records each notification once', async () => {
    const awareAt = new Date(Date.now() - 20 * 3600_000);
    const id = await newIncident({
      personalDataBreach: true,
      becameAwareAt: awareAt.toISOString(),
      regulatorRules: ['pecr_legacy_24h'],
    });
    const clocks = (await t.http().get(`/incidents/${id}`).set(as('comms'))).body.regulatorClocks;
    expect(clocks.map((c: any) => [c.kind, c.state])).toEqual([
      ['pecr_legacy_initial', 'running'],
      ['pecr_legacy_full', 'running'],
    ]);
    expect(clocks[0].msLeft).toBeGreaterThan(3.9 * 3600_000);
    expect(clocks[0].msLeft).toBeLessThanOrEqual(4 * 3600_000);

    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/pecr_legacy_initial`)
      .set(as('comms'))
      .send({ reference: 'ICO-1' })
      .expect(403);
    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/pecr_legacy_initial`)
      .set(as('supervisor'))
      .send({ reference: 'ICO-1' })
      .expect(201);
    const dup = await t
      .http()
      .post(`/incidents/${id}/regulator-notices/pecr_legacy_initial`)
      .set(as('admin'))
      .send({ reference: 'ICO-2' })
      .expect(409);
    expect(dup.body.message).toMatch(/already recorded/);
    await t
      .http()
      .post(`/incidents/${id}/regulator-notices/ofcom_whenever`)
      .set(as('admin'))
      .send({ reference: 'x' })
      .expect(400);
    const after = (await t.http().get(`/incidents/${id}`).set(as('comms'))).body.regulatorClocks;
    expect(after[0]).toMatchObject({ state: 'done', reference: 'ICO-1', msLeft: null });
    expect(
      await count(
        t.db,
        `SELECT count(*) n FROM audit_events WHERE action = 'incident.regulator_notice' AND target_id = $1`,
        [id],
      ),
    ).toBe(1);
    expect(ids.supervisor).toEqual(expect.any(String));
  });

  it('publishes a scheduled update at its time, once, and can be unscheduled', async () => {
    const id = await newIncident();
    const d = await draft(id, { body: 'Scheduled news.' });
    await t.http().post(`/incidents/${id}/updates/${d.id}/approve`).set(as('supervisor')).expect(200);
    await t
      .http()
      .post(`/incidents/${id}/updates/${d.id}/schedule`)
      .set(as('comms'))
      .send({ publishAt: new Date(Date.now() - 1000).toISOString() })
      .expect(422);
    const publishAt = new Date(Date.now() + 1500);
    await t
      .http()
      .post(`/incidents/${id}/updates/${d.id}/schedule`)
      .set(as('comms'))
      .send({ publishAt: publishAt.toISOString() })
      .expect(200);

    const other = await draft(id, { body: 'Never mind.' });
    await t.http().post(`/incidents/${id}/updates/${other.id}/approve`).set(as('supervisor')).expect(200);
    await t
      .http()
      .post(`/incidents/${id}/updates/${other.id}/schedule`)
      .set(as('comms'))
      .send({ publishAt: new Date(Date.now() + 1500).toISOString() })
      .expect(200);
    await t.http().post(`/incidents/${id}/updates/${other.id}/unschedule`).set(as('comms')).expect(200);

    await waitFor(
      async () =>
        (await t.db.query(`SELECT status FROM incident_updates WHERE id = $1`, [d.id]))[0].status ===
        'published',
    );
    const [row] = await t.db.query(`SELECT published_at, published_by FROM incident_updates WHERE id = $1`, [
      d.id,
    ]);
    expect(row.published_by).toBeNull(); // the scheduler published it
    expect(new Date(row.published_at).getTime()).toBeGreaterThanOrEqual(publishAt.getTime());
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      (await t.db.query(`SELECT status FROM incident_updates WHERE id = $1`, [other.id]))[0].status,
    ).toBe('approved');
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
