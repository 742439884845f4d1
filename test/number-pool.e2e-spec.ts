import { CutoverService } from '../src/number-change/cutover.service';
import { NumberChangeService } from '../src/number-change/number-change.service';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { startTestApp, TestApp } from './helpers/app';
import { signedInCustomer } from './helpers/customer';
import { count, staffTokens } from './helpers/staff';

describe('number pool: import, and customers racing for numbers', () => {
  let t: TestApp;
  let staff: Record<string, string>;

  beforeAll(async () => {
    // One offer per customer, so each of the racing customers asks for exactly one number. Listening,
    // so the Twilio sandbox's delivery callbacks for the confirmation SMS reach this app.
    t = await startTestApp({ NUMBER_OFFER_COUNT: '1' }, undefined, { listen: true });
    ({ tokens: staff } = await staffTokens(t, ['support', 'supervisor']));
  });
  afterAll(() => t?.close());

  const importCsv = (csv: string, type = 'text/csv') =>
    t
      .http()
      .post('/number-change/pool/import')
      .auth(staff.supervisor, { type: 'bearer' })
      .type(type)
      .send(csv);

  it('imports a CSV, reporting bad numbers, bad rows, duplicates and numbers in use, with line numbers', async () => {
    await signedInCustomer(t, { accountId: 'OWNER', msisdn: '+447812000003' });
    const csv = [
      'note,msisdn',
      'a,07812 000001',
      'b,+447812000002',
      'c,07812000001', // duplicate within the file
      'd,07812 000003', // a subscriber's number
      'e,12345',
      'f,020 7946 0018',
      'g',
      '"h,07812000004',
      '',
      'i,"07812 000005"',
    ].join('\r\n');
    const res = await importCsv(csv).expect(200);
    expect(res.body).toEqual({
      imported: 3,
      duplicates: 1,
      rejected: 5,
      errors: [
        { line: 6, reason: 'not a valid phone number' },
        { line: 7, reason: 'not a mobile number' },
        { line: 8, reason: 'expected 2 field(s), found 1' },
        { line: 9, reason: 'malformed row (unbalanced quotes)' },
        { line: 5, reason: 'number belongs to a subscriber' },
      ],
    });
    const again = await importCsv('msisdn\n07812000001\n').expect(200);
    expect(again.body).toMatchObject({ imported: 0, duplicates: 1, rejected: 0 });
    const pool = await t
      .http()
      .get('/number-change/pool')
      .auth(staff.support, { type: 'bearer' })
      .expect(200);
    expect(pool.body).toEqual({ available: 3, reserved: 0, assigned: 0, quarantined: 0 });
    expect(await count(t.db, `SELECT count(*) n FROM audit_events WHERE action = 'number_pool.import'`)).toBe(
      2,
    );
  });

  it('refuses a file without an msisdn header, and anything but text/csv', async () => {
    const res = await importCsv('phone\n07812000009\n').expect(200);
    expect(res.body).toMatchObject({
      imported: 0,
      rejected: 1,
      errors: [{ line: 1, reason: expect.stringMatching(/header/) }],
    });
    await importCsv('{"msisdn":"07812000009"}', 'application/json').expect(415);
  });

  // Four racers for every number. Sized (120 for 30) to finish well inside its own 120 s on a machine twice
  // as slow as an idle one: each winner also goes through provisioning, cutover and a confirmation SMS.
  const RACERS = 120;
  const NUMBERS = 30;
  it(`${RACERS} customers racing for ${NUMBERS} numbers: exactly ${NUMBERS} reservations, no number reserved or assigned twice`, async () => {
    await t.db.query(`DELETE FROM number_pool`);
    const csv = ['msisdn', ...Array.from({ length: NUMBERS }, (_, i) => `07460 ${String(200000 + i)}`)].join(
      '\n',
    );
    expect((await importCsv(csv).expect(200)).body.imported).toBe(NUMBERS);

    const customers = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        signedInCustomer(t, { accountId: `RACE-${i}`, msisdn: `+4479220${String(i).padStart(5, '0')}` }),
      ),
    );
    const service = t.get<NumberChangeService>(NumberChangeService);
    const requests = await Promise.all(
      customers.map((c) =>
        service.create(c.id, { reason: 'race' }, { type: 'customer', id: c.id, ip: '10.0.0.1' }),
      ),
    );

    // everyone asks at once, over HTTP
    const answers = await Promise.all(
      customers.map((c, i) =>
        t
          .http()
          .post(`/customer/number-change/${requests[i].id}/offers`)
          .auth(c.token, { type: 'bearer' })
          .send({})
          .expect(200),
      ),
    );
    const offered = answers.flatMap((a) => a.body.offers.map((o: any) => o.msisdn));
    expect(offered).toHaveLength(NUMBERS);
    expect(new Set(offered).size).toBe(NUMBERS);
    expect(answers.filter((a) => a.body.offers.length === 0)).toHaveLength(RACERS - NUMBERS);
    expect(await count(t.db, `SELECT count(*) n FROM number_pool WHERE state = 'reserved'`)).toBe(NUMBERS);

    // the winners choose and an agent takes every one through to cutover, all at once
    const winners = answers.map((a, i) => ({ i, offer: a.body.offers[0] })).filter((w) => w.offer);
    const actor = { type: 'staff' as const, id: undefined, role: 'supervisor' };
    await Promise.all(
      winners.map(async ({ i, offer }) => {
        const c = customers[i];
        await service.choose(c.id, requests[i].id, offer.msisdn, { type: 'customer', id: c.id });
        await service.approve(requests[i].id, actor);
        await service.schedule(requests[i].id, new Date(t.clock.now().getTime() + 3600_000), actor);
      }),
    );
    await t.db.query(`UPDATE number_change_requests SET scheduled_at = $1 WHERE state = 'scheduled'`, [
      t.clock.now(),
    ]);
    const cutover = t.get<CutoverService>(CutoverService);
    const results = await Promise.all(winners.map(({ i }) => cutover.run(requests[i].id)));
    expect(results.every((r) => r === 'completed')).toBe(true);

    expect(await count(t.db, `SELECT count(*) n FROM number_pool WHERE state = 'assigned'`)).toBe(NUMBERS);
    const owners = await t.db.query(
      `SELECT p.msisdn, p.assigned_to, s.msisdn AS now FROM number_pool p JOIN subscribers s ON s.id = p.assigned_to WHERE p.state = 'assigned'`,
    );
    expect(new Set(owners.map((o: any) => o.assigned_to)).size).toBe(NUMBERS);
    expect(owners.every((o: any) => o.msisdn === o.now)).toBe(true);
    // each winner's old number is quarantined, not offered again
    expect(await count(t.db, `SELECT count(*) n FROM number_pool WHERE state = 'quarantined'`)).toBe(NUMBERS);
    // each new number hears once that it is now the customer's, even with every cutover at once
    const sms = t.get<TwilioSandbox>(TwilioSandbox);
    const isNew = new Set(owners.map((o: any) => o.msisdn));
    const toNew = await sms.messages.waitFor(
      (all) => all.filter((m) => isNew.has(m.to)).length >= NUMBERS,
      60_000,
      'a confirmation SMS to every new number',
    );
    const confirmations = toNew.filter((m) => isNew.has(m.to));
    expect(new Set(confirmations.map((m) => m.to)).size).toBe(NUMBERS);
    expect(confirmations.every((m) => m.body.startsWith('Your mobile number has changed to +44 7***'))).toBe(
      true,
    );
  }, 120_000);

  it('holds no number for two open requests, even if application code tried (unique index)', async () => {
    const [a, b] = await t.db.query(`SELECT id FROM number_change_requests WHERE state = 'verified' LIMIT 2`);
    await t.db.query(
      `UPDATE number_change_requests SET state = 'number_reserved', new_msisdn = '+447460999999' WHERE id = $1`,
      [a.id],
    );
    await expect(
      t.db.query(
        `UPDATE number_change_requests SET state = 'number_reserved', new_msisdn = '+447460999999' WHERE id = $1`,
        [b.id],
      ),
    ).rejects.toThrow(/number_change_requests_new_number/);
  });
});
