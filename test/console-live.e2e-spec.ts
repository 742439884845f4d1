import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../src/platform/clock/clock';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { createCsvCampaign, uploadAudience } from './helpers/campaigns';
import { eventually } from './helpers/eventually';
import { staffTokens } from './helpers/staff';
import { ApprovalRemindersService } from '../src/approvals/approval-reminders.service';
import { SinkMail, SmtpSink } from '../src/sandbox/smtp-sink';

/** Server-sent events as text, with a wait for what a test needs to see. */
function listen(t: TestApp, path: string, token: string) {
  const server = t.app.getHttpServer();
  const { port } = server.address() as AddressInfo;
  const chunks: string[] = [];
  let contentType = '';
  const req = httpRequest({
    port,
    host: '127.0.0.1',
    path,
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
  });
  req.on('response', (res) => {
    contentType = String(res.headers['content-type']);
    res.on('data', (c) => chunks.push(String(c)));
  });
  req.end();
  return {
    text: () => chunks.join(''),
    contentType: () => contentType,
    /** The data of every `event` received so far. */
    events: (event: string) =>
      [...chunks.join('').matchAll(new RegExp(`event: ${event}\\ndata: (.*)\\n\\n`, 'g'))].map((m) =>
        JSON.parse(m[1]),
      ),
    close: () => req.destroy(),
  };
}

/**
 * The live views the console's campaign and analysis screens use (issue 15): a campaign's preview gives the
 * quiet-hours wait in its ETA, its progress says why it is held, both pushed by server-sent events; the
 * analysis screen lists the input folder's files.
 */
describe('console live views: campaign holds, progress events, the input folder', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let ids: Record<string, string>;
  let input: string;

  beforeAll(async () => {
    input = mkdtempSync(join(tmpdir(), 'candor-input-'));
    writeFileSync(join(input, 'gateway-a.log'), 'x'.repeat(2048));
    writeFileSync(join(input, 'gateway-b.log.gz'), 'y');
    writeFileSync(join(input, '.hidden.log'), 'z');
    mkdirSync(join(input, 'old'));
    symlinkSync('/etc/passwd', join(input, 'passwd.log'));
    t = await startTestApp(
      { SMS_QUIET_HOURS: '21:00-08:00', QUIET_HOURS_TZ: 'Europe/London', ANALYSIS_INPUT_DIR: input },
      undefined,
      { listen: true },
    );
    ({ tokens, ids } = await staffTokens(t));
    const subs = t.get<SubscribersService>(SubscribersService);
    for (const [i, msisdn] of ['07911 123451', '07911 123452', '07911 123453'].entries())
      await subs.upsert({
        accountId: `ACC-LIVE-${i}`,
        msisdn,
        email: `live${i}@example.com`,
        firstName: 'Sam',
      });
  });
  afterAll(() => t?.close());
  afterEach(() => t.get<Clock>(Clock).reset());

  it('lists the regular files of the input folder by name and size; no links, folders or hidden files', async () => {
    const res = await t
      .http()
      .get('/analyses/input-files')
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(200);
    expect(res.body.map((f: { name: string; size: number }) => [f.name, f.size])).toEqual([
      ['gateway-a.log', 2048],
      ['gateway-b.log.gz', 1],
    ]);
    expect(JSON.stringify(res.body)).not.toContain(input); // never the server's layout
    await t.http().get('/analyses/input-files').auth(tokens.comms, { type: 'bearer' }).expect(403);
  });

  it('previews the quiet-hours wait in the ETA, says a started campaign is held until 08:00 UK time, and pushes progress', async () => {
    // 22:00 GMT on a winter Saturday: texts wait until 08:00 GMT on Sunday (10 hours)
    t.get<Clock>(Clock).travelTo(new Date('2026-01-10T22:00:00Z'));
    const id = await createCsvCampaign(t, tokens.comms, 'live', 'sms');
    await uploadAudience(t, tokens.comms, id, 'account_id\nACC-LIVE-0\nACC-LIVE-1\nACC-LIVE-2\n');
    const preview = (
      await t.http().get(`/campaigns/${id}/preview`).auth(tokens.comms, { type: 'bearer' }).expect(200)
    ).body;
    expect(preview.messages).toEqual({ sms: 3, email: 0 });
    expect(preview.quietHours.smsWaitUntil).toBe('2026-01-11T08:00:00.000Z');
    expect(preview.quietHours.waitSeconds).toBeGreaterThanOrEqual(10 * 3600 - 60);
    expect(preview.quietHours.waitSeconds).toBeLessThanOrEqual(10 * 3600);
    // the ETA counts the wait, then the texts' segments at the sender pool's rate (seconds at most here)
    expect(preview.etaSeconds.sms).toBeGreaterThanOrEqual(preview.quietHours.waitSeconds);
    expect(preview.etaSeconds.sms).toBeLessThanOrEqual(preview.quietHours.waitSeconds + 60);

    const stream = listen(t, `/campaigns/${id}/events`, tokens.comms);
    await eventually(() => stream.events('progress').length === 1, 15_000, 'the first progress event');
    expect(stream.contentType()).toMatch(/text\/event-stream/);
    expect(stream.events('progress')[0]).toMatchObject({ id, status: 'draft', hold: null });

    await t.http().post(`/campaigns/${id}/approve`).auth(tokens.supervisor, { type: 'bearer' }).expect(200);
    await t.http().post(`/campaigns/${id}/start`).auth(tokens.comms, { type: 'bearer' }).expect(200);
    // the stream pushes the change by itself: running, its texts held for quiet hours until 08:00 GMT
    await eventually(
      () => stream.events('progress').some((p) => p.status === 'running'),
      15_000,
      'a progress event saying the campaign runs',
    );
    const running = stream.events('progress').find((p) => p.status === 'running');
    expect(running.hold).toEqual({ reason: 'quiet_hours', until: '2026-01-11T08:00:00.000Z' });
    expect(running.totals).toEqual({ pending: 3 });
    stream.close();

    const progress = () =>
      t.http().get(`/campaigns/${id}/progress`).auth(tokens.comms, { type: 'bearer' }).expect(200);
    await t.http().post(`/campaigns/${id}/pause`).auth(tokens.comms, { type: 'bearer' }).expect(200);
    expect((await progress()).body.hold).toEqual({ reason: 'paused' });
    await t.http().post(`/campaigns/${id}/resume`).auth(tokens.comms, { type: 'bearer' }).expect(200);
    expect((await progress()).body.hold.reason).toBe('quiet_hours');
    // an urgent campaign's texts are not held: its preview has no wait
    const urgent = await createCsvCampaign(t, tokens.comms, 'urgent', 'sms', { ignoreQuietHours: true });
    await uploadAudience(t, tokens.comms, urgent, 'account_id\nACC-LIVE-0\n');
    const u = (
      await t.http().get(`/campaigns/${urgent}/preview`).auth(tokens.comms, { type: 'bearer' }).expect(200)
    ).body;
    expect(u.quietHours).toEqual({ smsWaitUntil: null, waitSeconds: 0 });
    // in the day nothing waits either
    t.get<Clock>(Clock).travelTo(new Date('2026-01-11T12:00:00Z'));
    const day = (
      await t.http().get(`/campaigns/${id}/preview`).auth(tokens.comms, { type: 'bearer' }).expect(200)
    ).body;
    expect(day.quietHours.smsWaitUntil).toBeNull();
  }, 60_000);

  it('answers one JSON snapshot without text/event-stream, and 404 for a campaign or run that does not exist', async () => {
    const id = await createCsvCampaign(t, tokens.comms, 'snap', 'email');
    const snap = await t
      .http()
      .get(`/campaigns/${id}/events`)
      .auth(tokens.support, { type: 'bearer' })
      .expect(200);
    expect(snap.body).toMatchObject({ id, status: 'draft', hold: null, totals: {} });
    const missing = '00000000-0000-4000-8000-000000000000';
    const res = await t
      .http()
      .get(`/campaigns/${missing}/events`)
      .auth(tokens.comms, { type: 'bearer' })
      .set('accept', 'text/event-stream');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/json/);
    await t
      .http()
      .get(`/analyses/${missing}/events`)
      .auth(tokens.comms, { type: 'bearer' })
      .set('accept', 'text/event-stream')
      .expect(404);
  });

  it('reminds those who may decide something that has waited APPROVAL_REMINDER_MINUTES (30), by email and SMS, once', async () => {
    await t
      .http()
      .patch(`/users/${ids.supervisor}`)
      .auth(tokens.admin, { type: 'bearer' })
      .send({ phone: '07911 123459' })
      .expect(200);
    const id = await createCsvCampaign(t, tokens.comms, 'waits', 'email');
    const [{ created_at }] = await t.db.query(`SELECT created_at FROM campaigns WHERE id = $1`, [id]);
    const reminders = () =>
      t.db.query(
        `SELECT channel, to_address FROM messages WHERE kind = 'approval-waiting' AND dedupe_key LIKE $1
         ORDER BY channel, to_address`,
        [`approval-waiting:campaign:${id}:%`],
      );
    const remind = t.get<ApprovalRemindersService>(ApprovalRemindersService);
    const clock = t.get<Clock>(Clock);
    clock.travelTo(new Date(new Date(created_at).getTime() + 29 * 60_000));
    await remind.tick();
    expect(await reminders()).toEqual([]); // 29 minutes: not yet

    clock.travelTo(new Date(new Date(created_at).getTime() + 31 * 60_000));
    await remind.tick();
    const users: Array<{ id: string; email: string }> = await t.db.query(`SELECT id, email FROM staff_users`);
    const email = (role: string) => users.find((u) => u.id === ids[role])!.email;
    // the supervisor and the admin may approve it (email; SMS to the supervisor's phone); comms wrote it
    expect(await reminders()).toEqual(
      [
        { channel: 'email', to_address: email('admin') },
        { channel: 'email', to_address: email('supervisor') },
        { channel: 'sms', to_address: '+447911123459' },
      ].sort((a, b) => a.channel.localeCompare(b.channel) || a.to_address.localeCompare(b.to_address)),
    );
    // the email reaches the SMTP server with the link to the thing in the console
    const sink = t.get<SmtpSink>(SmtpSink);
    const link = `${t.env.PUBLIC_BASE_URL}/console/campaigns/${id}`;
    const toSupervisor = (m: SinkMail) =>
      m.envelopeTo.includes(email('supervisor')) && String(m.parsed.text).includes(link);
    await sink.messages.waitFor(
      (all) => all.some(toSupervisor),
      15_000,
      'the reminder email to the supervisor',
    );
    expect(sink.messages.all.find(toSupervisor)!.parsed.subject).toMatch(
      /^Waiting for your decision: Campaign/,
    );
    // once: later ticks send nothing more for it
    clock.travelTo(new Date(new Date(created_at).getTime() + 90 * 60_000));
    await remind.tick();
    expect((await reminders()).length).toBe(3);
    // decided items are not reminded of
    await t.http().post(`/campaigns/${id}/approve`).auth(tokens.supervisor, { type: 'bearer' }).expect(200);
    const later = await createCsvCampaign(t, tokens.comms, 'decided', 'email');
    await t
      .http()
      .post(`/campaigns/${later}/approve`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(200);
    clock.travelTo(new Date(clock.now().getTime() + 60 * 60_000));
    await remind.tick();
    expect(
      await t.db.query(`SELECT 1 FROM messages WHERE kind = 'approval-waiting' AND dedupe_key LIKE $1`, [
        `approval-waiting:campaign:${later}:%`,
      ]),
    ).toEqual([]);
  }, 60_000);

  it('puts an offer that waits for a second supervisor in the inbox of the others who may approve it', async () => {
    const offer = (
      await t
        .http()
        .post('/compensation/offers')
        .auth(tokens.supervisor, { type: 'bearer' })
        .send({
          name: 'Sorry for the leak',
          kind: 'credit',
          value: 1000,
          eligibility: 'all',
          mode: 'auto',
          claimClosesAt: new Date(t.get<Clock>(Clock).now().getTime() + 86_400_000).toISOString(),
        })
        .expect(201)
    ).body;
    expect(offer.approvalStatus).toBe('pending');
    const inbox = async (role: string) =>
      (await t.http().get('/approvals').auth(tokens[role], { type: 'bearer' }).expect(200)).body.filter(
        (i: { kind: string }) => i.kind === 'offer',
      );
    const [item] = await inbox('admin');
    expect(item).toMatchObject({ kind: 'offer', id: offer.id, title: 'Offer “Sorry for the leak”' });
    expect(item.detail).toMatch(/^Given automatically, to all; up to £\d+\.\d\d in all; claims /);
    expect(await inbox('supervisor')).toEqual([]); // its author may not approve it
    expect(await inbox('comms')).toEqual([]);
    await t
      .http()
      .post(`/compensation/offers/${offer.id}/approve`)
      .auth(tokens.admin, { type: 'bearer' })
      .expect(200);
    expect(await inbox('admin')).toEqual([]);
  });

  it('rejects a draft campaign with a reason: cancelled, the reason in the audit trail; a reason is not required', async () => {
    const id = await createCsvCampaign(t, tokens.comms, 'rejected', 'email');
    await t
      .http()
      .post(`/campaigns/${id}/cancel`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .send({ reason: 'x'.repeat(501) })
      .expect(400);
    await t
      .http()
      .post(`/campaigns/${id}/cancel`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .send({ reason: 'The text names the wrong incident' })
      .expect(200);
    const [row] = await t.db.query(
      `SELECT summary FROM audit_events WHERE action = 'campaign.cancel' AND target_id = $1`,
      [id],
    );
    expect(row.summary).toEqual({
      from: 'draft',
      to: 'cancelled',
      reason: 'The text names the wrong incident',
    });
    const other = await createCsvCampaign(t, tokens.comms, 'plain-cancel', 'email');
    await t.http().post(`/campaigns/${other}/cancel`).auth(tokens.comms, { type: 'bearer' }).expect(200);
    await t.http().post(`/campaigns/${other}/cancel`).auth(tokens.comms, { type: 'bearer' }).expect(409);
  });
});
