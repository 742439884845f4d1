import { RemindersService } from '../src/incidents/reminders.service';
import { NotificationsService } from '../src/notifications/notifications.service';
import { CutoverService } from '../src/number-change/cutover.service';
import { NumberChangeSweeper } from '../src/number-change/number-change-sweeper';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { createCsvCampaign, uploadAudience } from './helpers/campaigns';
import { eventually, signedInCustomer } from './helpers/customer';
import { openIncidentWithUpdate } from './helpers/incidents';
import { staffTokens } from './helpers/staff';
import { oneOffNoticeVars } from './helpers/notices';

jest.setTimeout(120_000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Time-dependent behaviour at chosen instants on the app's Clock: inside quiet hours, across both UK
 * summer-time switches (last Sunday of March and of October), near midnight and the year end. Nothing here
 * depends on the wall clock (CI also runs this file with the process clock moved by faketime).
 */
describe('time at chosen instants (the Clock)', () => {
  let t: TestApp;
  let sms: TwilioSandbox;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp(
      {
        SMS_QUIET_HOURS: '21:00-08:00',
        QUIET_HOURS_TZ: 'Europe/London',
        SWEEP_INTERVAL_SECONDS: '1',
        // the SLA (24 h) falls due before a stalled request expires, so both can be seen apart
        NUMBER_CHANGE_SLA_HOURS: '24',
        NUMBER_CHANGE_REQUEST_TTL_HOURS: '48',
      },
      undefined,
      { listen: true },
    );
    sms = t.get(TwilioSandbox);
  });
  afterEach(() => t.clock.reset());
  afterAll(() => t?.close());

  /** Moves the app's clock to `iso` (it keeps ticking from there). */
  const at = (iso: string | Date) => t.clock.travelTo(new Date(iso));
  /** Moves the clock by `ms` from where it is. */
  const after = (ms: number) => t.clock.travelTo(new Date(t.clock.now().getTime() + ms));
  /** Staff signed in at the Clock's now (a session lasts STAFF_TOKEN_TTL_MINUTES on the Clock). */
  const signIn = async () => (await staffTokens(t)).tokens;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const nextMobile = () => `+4479112${String(++seq).padStart(5, '0')}`;

  describe('quiet hours (21:00-08:00 Europe/London)', () => {
    const status = async (id: string) =>
      (await t.db.query(`SELECT status FROM messages WHERE id = $1`, [id]))[0].status as string;
    const notice = (to: string) =>
      t.get<NotificationsService>(NotificationsService).send({
        kind: 'breach-notice',
        channel: 'sms',
        to,
        vars: oneOffNoticeVars(t.env.PUBLIC_BASE_URL, 'Sam'),
        dedupeKey: `clock-${to}`,
      });
    /** The SMS stays pending while the dispatcher polls (every 250 ms) several times. */
    async function expectHeld(id: string, to: string) {
      await new Promise((r) => setTimeout(r, 1200));
      expect(await status(id)).toBe('pending');
      expect(sms.messages.filter((m) => m.to === to)).toHaveLength(0);
    }
    const expectSent = (to: string) =>
      sms.messages.waitFor((all) => all.some((m) => m.to === to), 15_000, `the SMS to ${to.slice(0, 6)}…`);

    it('holds a breach-notice SMS on the night of the March switch and sends it at 08:00 BST (07:00 UTC)', async () => {
      const to = nextMobile();
      at('2026-03-29T00:30:00Z'); // 00:30 GMT, half an hour before clocks go forward
      const { id } = await notice(to);
      await expectHeld(id, to);
      at('2026-03-29T06:59:00Z'); // 07:59 BST: still quiet, though it would be 06:59 in GMT
      await expectHeld(id, to);
      at('2026-03-29T07:00:30Z'); // 08:00 BST
      await expectSent(to);
    });

    it('after the October switch quiet hours end at 08:00 GMT, an hour later in UTC than the day before', async () => {
      const before = nextMobile();
      at('2026-10-24T07:30:00Z'); // 08:30 BST on Saturday: not quiet
      await notice(before);
      await expectSent(before);
      const to = nextMobile();
      at('2026-10-25T07:30:00Z'); // 07:30 GMT on Sunday, after clocks went back at 02:00 BST
      const { id } = await notice(to);
      await expectHeld(id, to);
      at('2026-10-25T08:00:00Z');
      await expectSent(to);
    });

    it('holds an SMS written a second before midnight on New Year’s Eve until 08:00 on 1 January', async () => {
      const to = nextMobile();
      at('2026-12-31T23:59:59Z');
      const { id } = await notice(to);
      at('2027-01-01T00:00:30Z');
      await expectHeld(id, to);
      at('2027-01-01T08:00:00Z');
      await expectSent(to);
    });

    it('sends at 20:59 in summer (19:59 UTC) and holds at 21:00 BST', async () => {
      const early = nextMobile();
      at('2026-07-10T19:59:00Z');
      await notice(early);
      await expectSent(early);
      const late = nextMobile();
      at('2026-07-10T20:00:30Z');
      const { id } = await notice(late);
      await expectHeld(id, late);
    });

    describe('campaigns', () => {
      let tokens: Record<string, string>;
      const auth = (role: string) => bearer(tokens[role]);
      const subs = () => t.get<SubscribersService>(SubscribersService);

      async function seed(n: number, prefix: string) {
        for (let i = 0; i < n; i++)
          await subs().upsert({
            accountId: `${prefix}-${i}`,
            msisdn: nextMobile(),
            email: `${prefix.toLowerCase()}${i}@example.net`,
            firstName: `P${i}`,
          });
      }
      async function campaign(prefix: string, policy: string, extra: Record<string, unknown> = {}) {
        const id = await createCsvCampaign(t, tokens.comms, prefix, policy, extra);
        const csv = 'account_id\n' + Array.from({ length: 4 }, (_, i) => `${prefix}-${i}`).join('\n');
        await uploadAudience(t, tokens.comms, id, csv);
        return id;
      }
      const start = async (id: string) => {
        await t.http().post(`/campaigns/${id}/approve`).set(auth('supervisor')).expect(200);
        await t.http().post(`/campaigns/${id}/start`).set(auth('comms')).expect(200);
      };
      const statuses = async (id: string) =>
        (
          await t.db.query(
            `SELECT channel || ':' || status AS s, count(*)::int AS n FROM messages WHERE campaign_id = $1
             GROUP BY 1 ORDER BY 1`,
            [id],
          )
        ).map((r: any) => `${r.s}=${r.n}`);
      const done = (id: string) =>
        eventually(
          async () =>
            (await t.db.query(`SELECT status FROM campaigns WHERE id = $1`, [id]))[0].status === 'completed',
          30_000,
          `campaign ${id} completed`,
        );

      it('holds campaign SMS at 23:30 (email still goes), releases them at 08:01; urgent ones go at once', async () => {
        at('2026-01-15T23:30:00Z');
        tokens = await signIn();
        await seed(4, 'QH');
        const id = await campaign('QH', 'both');
        const urgent = await campaign('QH', 'sms', { name: 'Urgent QH', ignoreQuietHours: true });
        await start(id);
        await start(urgent);
        await done(urgent);
        await eventually(
          async () => (await statuses(id)).includes('email:sent=4'),
          15_000,
          'the campaign emails sent',
        );
        await new Promise((r) => setTimeout(r, 1000));
        expect(await statuses(id)).toEqual(['email:sent=4', 'sms:pending=4']);
        at('2026-01-16T08:01:00Z');
        await done(id);
        expect((await statuses(id)).filter((s: string) => s.startsWith('sms:pending'))).toEqual([]);
      });

      it("sends a held SMS to the subscriber's current number when it changed during the night", async () => {
        at('2026-10-25T01:30:00Z'); // 01:30 GMT, the hour that happens twice
        tokens = await signIn();
        await seed(4, 'NC');
        const id = await campaign('NC', 'sms');
        await start(id);
        const built: string[] = (
          await t.db.query(`SELECT to_address FROM messages WHERE campaign_id = $1 ORDER BY to_address`, [id])
        ).map((r: any) => r.to_address);
        expect(built).toHaveLength(4);
        const old = (await t.db.query(`SELECT msisdn FROM subscribers WHERE account_id = 'NC-0'`))[0].msisdn;
        expect(built).toContain(old);
        const moved = nextMobile();
        await subs().upsert({ accountId: 'NC-0', msisdn: moved, firstName: 'P0' });
        at('2026-10-25T08:00:00Z');
        await done(id);
        expect(sms.messages.filter((m) => m.to === moved)).toHaveLength(1);
        expect(sms.messages.filter((m) => m.to === old)).toHaveLength(0);
        // the other three went to their unchanged numbers
        expect(built.filter((n) => sms.messages.find((m) => m.to === n))).toHaveLength(3);
      });
    });
  });

  describe('sign-in tokens and codes expire on the Clock', () => {
    it('keeps a staff session for 12 hours across the March switch (elapsed time, not wall time)', async () => {
      at('2026-03-28T20:00:00Z');
      const { comms } = await signIn();
      after(12 * HOUR - MINUTE); // 08:59 BST on Sunday: 11h59m later
      await t.http().get('/incidents').set(bearer(comms)).expect(200);
      after(2 * MINUTE);
      await t.http().get('/incidents').set(bearer(comms)).expect(401);
    });

    it('accepts a sign-in code until it expires at midnight on New Year’s Eve, and a session for 30 minutes', async () => {
      const msisdn = nextMobile();
      await t.get<SubscribersService>(SubscribersService).upsert({ accountId: `OTP-${seq}`, msisdn });
      const request = async () => {
        const before = sms.messages.filter((m) => m.to === msisdn).length;
        const r = await t.http().post('/customer/auth/request-code').send({ msisdn }).expect(202);
        const got = await sms.messages.waitFor(
          (all) => all.filter((m) => m.to === msisdn).length > before,
          15_000,
          'the sign-in code SMS',
        );
        const code = got.filter((m) => m.to === msisdn)[before].body.match(/\b(\d{6})\b/)![1];
        return { challengeId: r.body.challengeId as string, code, expiresAt: r.body.expiresAt as string };
      };
      at('2026-12-31T23:50:00Z'); // a code lives 10 minutes: these expire just after midnight
      const late = await request();
      const early = await request();
      const expiry = (c: { expiresAt: string }) => new Date(c.expiresAt).getTime();
      for (const c of [late, early]) {
        expect(expiry(c)).toBeGreaterThanOrEqual(new Date('2027-01-01T00:00:00Z').getTime());
        expect(expiry(c)).toBeLessThan(new Date('2027-01-01T00:01:00Z').getTime()); // a slow machine's minute
      }
      at(new Date(expiry(late) + 1000)); // 2027 now
      await t
        .http()
        .post('/customer/auth/verify')
        .send({ challengeId: late.challengeId, code: late.code })
        .expect(401);
      at(new Date(expiry(early) - 30_000)); // back in 2026, before its expiry (room for a slow machine)
      const ok = await t
        .http()
        .post('/customer/auth/verify')
        .send({ challengeId: early.challengeId, code: early.code })
        .expect(200);
      const me = () => t.http().get('/customer/me').set(bearer(ok.body.token));
      after(29 * MINUTE);
      await me().expect(200);
      after(2 * MINUTE);
      await me().expect(401);
    });
  });

  describe('number changes: reservations, SLA, stalled requests, quarantine', () => {
    let pooled = false;
    async function ensurePool() {
      if (pooled) return;
      const { admin } = await signIn();
      const csv = ['msisdn', ...Array.from({ length: 20 }, (_, i) => `07922 ${String(200001 + i)}`)].join(
        '\n',
      );
      await t
        .http()
        .post('/number-change/pool/import')
        .set(bearer(admin))
        .type('text/csv')
        .send(csv)
        .expect(200);
      pooled = true;
    }
    const service = () => t.get<NumberChangeSweeper>(NumberChangeSweeper);
    async function request() {
      await ensurePool();
      const c = await signedInCustomer(t, { accountId: `NCR-${++seq}`, msisdn: nextMobile() });
      const me = (url: string, body: object = {}) =>
        t.http().post(url).set(bearer(c.token)).set('x-forwarded-for', `203.0.113.${seq}`).send(body);
      const created = await me('/customer/number-change', { reason: 'number exposed' }).expect(201);
      return { c, me, id: created.body.id as string };
    }

    it('keeps offered numbers for 15 minutes across the October switch, then the sweep releases them', async () => {
      at('2026-10-25T00:50:00Z'); // 01:50 BST; the reservation ends at 01:05 GMT, after clocks went back
      const { me, id } = await request();
      const offers = (await me(`/customer/number-change/${id}/offers`).expect(200)).body.offers;
      expect(offers).toHaveLength(3);
      const until = new Date(offers[0].reservedUntil).getTime();
      expect(until - new Date('2026-10-25T00:50:00Z').getTime()).toBeGreaterThanOrEqual(15 * MINUTE);
      expect(until - new Date('2026-10-25T00:50:00Z').getTime()).toBeLessThan(15 * MINUTE + MINUTE);
      // (the sweep also runs by itself every minute: assert the numbers' states, not what one call counted)
      const states = async () =>
        (
          await t.db.query(`SELECT state FROM number_pool WHERE msisdn = ANY($1) ORDER BY msisdn`, [
            offers.map((o: any) => o.msisdn),
          ])
        ).map((r: any) => r.state);
      at(new Date(until - 30_000));
      await service().sweep();
      expect(await states()).toEqual(['reserved', 'reserved', 'reserved']);
      at(new Date(until + 1000));
      await service().sweep();
      expect(await states()).toEqual(['available', 'available', 'available']);
      await me(`/customer/number-change/${id}/choose`, { msisdn: offers[0].msisdn }).expect(409);
    });

    it('counts the 24-hour SLA across the year end; a request stalled for 48 hours expires', async () => {
      at('2026-12-31T12:00:00Z');
      const { id } = await request();
      const breached = async () => {
        const { supervisor } = await signIn();
        const res = await t.http().get('/number-change/breaches').set(bearer(supervisor)).expect(200);
        return res.body.some((r: any) => r.id === id);
      };
      const state = async () =>
        (await t.db.query(`SELECT state FROM number_change_requests WHERE id = $1`, [id]))[0].state;
      at('2027-01-01T11:59:00Z');
      expect(await breached()).toBe(false);
      await service().sweep();
      expect(await state()).toBe('verified');
      at('2027-01-01T12:01:00Z');
      expect(await breached()).toBe(true);
      const { support } = await signIn();
      const detail = (await t.http().get(`/number-change/requests/${id}`).set(bearer(support)).expect(200))
        .body;
      expect(detail.sla).toMatchObject({ breached: true });
      await service().sweep();
      expect(await state()).toBe('verified'); // open and late, not stalled for long enough yet
      at('2027-01-02T12:01:00Z');
      await service().sweep();
      expect(await state()).toBe('expired');
    });

    it('quarantines the old number for 180 days from the cutover, then returns it to the pool', async () => {
      at('2026-03-28T23:30:00Z'); // the quarantine starts the night before the March switch
      const { c, me, id } = await request();
      const offers = (await me(`/customer/number-change/${id}/offers`).expect(200)).body.offers;
      await me(`/customer/number-change/${id}/choose`, { msisdn: offers[0].msisdn }).expect(200);
      const { support } = await signIn();
      await t.http().post(`/number-change/requests/${id}/approve`).set(bearer(support)).expect(200);
      await t
        .http()
        .post(`/number-change/requests/${id}/schedule`)
        .set(bearer(support))
        .send({ at: new Date(t.clock.now().getTime() + HOUR).toISOString() })
        .expect(200);
      after(HOUR + MINUTE);
      const cutAt = t.clock.now().getTime();
      expect(await t.get<CutoverService>(CutoverService).run(id)).toBe('completed');
      const pool = async () =>
        (
          await t.db.query(`SELECT state, quarantined_until FROM number_pool WHERE msisdn = $1`, [c.msisdn])
        )[0];
      const q = await pool();
      expect(q.state).toBe('quarantined');
      const until = new Date(q.quarantined_until).getTime();
      expect(until - cutAt).toBeGreaterThanOrEqual(180 * DAY);
      expect(until - cutAt).toBeLessThan(180 * DAY + MINUTE);
      at(new Date(until - MINUTE));
      await service().sweep();
      expect((await pool()).state).toBe('quarantined');
      at(new Date(until + MINUTE));
      await service().sweep();
      expect((await pool()).state).toBe('available');
    });
  });

  describe('incidents: regulator clocks, reminders, scheduled publishing', () => {
    const detail = async (tokens: Record<string, string>, id: string) =>
      (await t.http().get(`/incidents/${id}`).set(bearer(tokens.comms)).expect(200)).body;

    it('counts the 72-hour regulator clocks in elapsed hours across the March switch', async () => {
      at('2026-03-28T12:00:00Z');
      const tokens = await signIn();
      const { incidentId } = await openIncidentWithUpdate(t, tokens, {
        detectedAt: '2026-03-28T12:00:00Z',
        personalDataBreach: true,
        becameAwareAt: '2026-03-28T12:00:00Z',
      });
      const clocks = async () => (await detail(await signIn(), incidentId)).regulatorClocks;
      at('2026-03-31T11:59:00Z'); // 12:59 BST: 71h59m after detection (70h59m on the wall clock's hands)
      const running = await clocks();
      expect(running.length).toBeGreaterThan(0);
      for (const c of running) {
        expect(c).toMatchObject({ state: 'running', deadline: '2026-03-31T12:00:00.000Z' });
        expect(c.msLeft).toBeGreaterThan(0);
        expect(c.msLeft).toBeLessThanOrEqual(MINUTE);
      }
      at('2026-03-31T12:00:01Z');
      expect((await clocks()).map((c: any) => c.state)).toEqual(running.map(() => 'overdue'));
    });

    it('reminds before and at the promised update time over midnight into the new year', async () => {
      at('2026-12-31T23:00:00Z');
      const tokens = await signIn();
      const { incidentId } = await openIncidentWithUpdate(t, tokens, { detectedAt: '2026-12-31T22:30:00Z' });
      const promise = new Date((await detail(tokens, incidentId)).nextUpdateBy);
      expect(promise.getTime() - new Date('2026-12-31T23:00:00Z').getTime()).toBeGreaterThanOrEqual(HOUR);
      expect(promise.getTime() - new Date('2026-12-31T23:00:00Z').getTime()).toBeLessThan(HOUR + MINUTE);
      const reminders = t.get<RemindersService>(RemindersService);
      const mine = async () =>
        (await reminders.tick()).filter((r) => r.incidentId === incidentId).map((r) => r.kind);
      at(new Date(promise.getTime() - 10 * MINUTE - 30_000));
      expect(await mine()).toEqual([]);
      at(new Date(promise.getTime() - 10 * MINUTE));
      expect(await mine()).toEqual(['due_soon']);
      at(promise);
      expect(await mine()).toEqual(['overdue']);
      expect(await mine()).toEqual([]);
    });

    it('publishes an update scheduled for midnight on 1 January at that instant, not before', async () => {
      at('2026-12-31T23:50:00Z');
      const tokens = await signIn();
      const { incidentId } = await openIncidentWithUpdate(t, tokens, { detectedAt: '2026-12-31T22:00:00Z' });
      const d = await t
        .http()
        .post(`/incidents/${incidentId}/updates`)
        .set(bearer(tokens.comms))
        .send({ body: 'Happy new year: still investigating' })
        .expect(201);
      await t
        .http()
        .post(`/incidents/${incidentId}/updates/${d.body.id}/approve`)
        .set(bearer(tokens.supervisor))
        .expect(200);
      at('2026-12-31T23:59:57Z');
      await t
        .http()
        .post(`/incidents/${incidentId}/updates/${d.body.id}/schedule`)
        .set(bearer(tokens.comms))
        .send({ publishAt: '2027-01-01T00:00:00Z' })
        .expect(200);
      const published = () =>
        t.db
          .query(`SELECT status, published_at FROM incident_updates WHERE id = $1`, [d.body.id])
          .then((r: any) => r[0]);
      expect((await published()).status).not.toBe('published');
      const row = await eventually(
        async () => {
          const r = await published();
          return r.status === 'published' ? r : null;
        },
        20_000,
        'the scheduled update published',
      );
      expect(new Date(row.published_at).getTime()).toBeGreaterThanOrEqual(
        new Date('2027-01-01T00:00:00Z').getTime(),
      );
      expect(new Date(row.published_at).getTime()).toBeLessThan(new Date('2027-01-01T00:01:00Z').getTime());
    });
  });
});
