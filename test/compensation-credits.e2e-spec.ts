import { randomUUID } from 'node:crypto';
import { requestHash } from '../src/platform/http/idempotency';
import { startTestApp, TestApp } from './helpers/app';
import { customerWithToken } from './helpers/customer';
import { count, staffTokens } from './helpers/staff';

describe('compensation: goodwill credits, limits, approvals, reversals, ledger', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let ids: Record<string, string>;
  let subA: string;
  let subB: string;

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens, ids } = await staffTokens(t));
    subA = (await customerWithToken(t, 'CR-A', '07911 200001')).subscriber.id;
    subB = (await customerWithToken(t, 'CR-B', '07911 200002')).subscriber.id;
  });
  afterAll(() => t?.close());

  const issue = (role: string, body: Record<string, unknown>, key: string | null = randomUUID()) => {
    const req = t.http().post('/compensation/credits').auth(tokens[role], { type: 'bearer' });
    if (key !== null) req.set('Idempotency-Key', key);
    return req.send({ reasonCode: 'service_outage', note: 'outage on 3 March', ...body });
  };
  const ledgerTotal = async () =>
    Number((await t.db.query(`SELECT coalesce(sum(amount_pence),0) s FROM ledger_lines`))[0].s);
  const balance = async (sub: string) =>
    (
      await t
        .http()
        .get(`/compensation/subscribers/${sub}/account`)
        .auth(tokens.support, { type: 'bearer' })
        .expect(200)
    ).body.balancePence;

  it('issues a credit: ledger entry, balance derived from the ledger, billing row, audit row', async () => {
    const res = await issue('support', { subscriberId: subA, amountPence: 1500 }).expect(201);
    expect(res.body).toMatchObject({
      status: 'issued',
      amountPence: 1500,
      source: 'goodwill',
      requestedBy: ids.support,
    });
    expect(res.body.entryId).toEqual(expect.any(String));
    expect(await balance(subA)).toBe(1500);
    expect(await ledgerTotal()).toBe(0);
    const lines = await t.db.query(
      `SELECT account, amount_pence::int a FROM ledger_lines WHERE entry_id = $1 ORDER BY a`,
      [res.body.entryId],
    );
    expect(lines).toEqual([
      { account: `customer:${subA}`, a: -1500 },
      { account: 'expense:goodwill', a: 1500 },
    ]);
    expect(
      await count(t.db, `SELECT count(*) n FROM billing_outbox WHERE credit_id = $1`, [res.body.id]),
    ).toBe(1);
    expect(
      await count(
        t.db,
        `SELECT count(*) n FROM audit_events WHERE action = 'credit.issue' AND target_id = $1`,
        [res.body.id],
      ),
    ).toBe(1);
  });

  it('replays the first answer for the same key and body, refuses the key with another body', async () => {
    const key = randomUUID();
    const first = await issue('support', { subscriberId: subB, amountPence: 100 }, key).expect(201);
    const again = await issue('support', { subscriberId: subB, amountPence: 100 }, key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await issue('support', { subscriberId: subB, amountPence: 200 }, key).expect(422);
    expect(other.body.message).toMatch(/different request/);
    expect(await count(t.db, `SELECT count(*) n FROM credits WHERE subscriber_id = $1`, [subB])).toBe(1);
    // Keys are per agent: another agent's identical key is a different request.
    await issue('supervisor', { subscriberId: subB, amountPence: 100 }, key).expect(201);
    expect(await count(t.db, `SELECT count(*) n FROM credits WHERE subscriber_id = $1`, [subB])).toBe(2);
  });

  it('answers 409 while the first request with a key is still running, and takes over a dead or stale one', async () => {
    const body = {
      subscriberId: subB,
      amountPence: 50,
      reasonCode: 'service_outage',
      note: 'outage on 3 March',
    };
    const hash = requestHash('credit.issue', body);
    const insertRunning = (key: string, age: string) =>
      t.db.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, owner, status, created_at, updated_at)
         VALUES ($1, $2, $3, gen_random_uuid(), 'running', now() - $4::interval, now() - $4::interval)`,
        [`credit.issue:${ids.support}`, key, hash, age],
      );
    // A live request holds its key's advisory lock on its connection (here another connection plays it).
    const live = await t.db.createQueryRunner();
    await live.connect();
    try {
      await live.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [
        `idempotency\ncredit.issue:${ids.support}\nin-flight-1`,
      ]);
      await insertRunning('in-flight-1', '1 second');
      const busy = await issue('support', body, 'in-flight-1').expect(409);
      expect(busy.body.message).toMatch(/still being processed/);
    } finally {
      await live.query(`SELECT pg_advisory_unlock_all()`);
      await live.release();
    }
    // A request that died a second ago (its connection, and so its lock, gone): taken over at once, not 409
    await insertRunning('died-1', '1 second');
    await issue('support', body, 'died-1').expect(201);
    await insertRunning('crashed-1', '10 minutes');
    await issue('support', body, 'crashed-1').expect(201);
  });

  it('requires a well-formed Idempotency-Key', async () => {
    const res = await issue('support', { subscriberId: subB, amountPence: 100 }, null).expect(400);
    expect(res.body.details).toEqual([
      { field: 'Idempotency-Key', messages: [expect.stringMatching(/required/)] },
    ]);
    await issue('support', { subscriberId: subB, amountPence: 100 }, 'bad key with spaces').expect(400);
  });

  it.each([
    [-500, 'amountPence must be at least 1 (one penny)'],
    [0, 'amountPence must be at least 1 (one penny)'],
    [12.5, 'amountPence must be a whole number of pence'],
    [1e12, 'amountPence must not exceed 10000000 (£100,000)'],
    ['500', 'amountPence must be a whole number of pence'],
  ])('rejects amount %p with a field message', async (amountPence, message) => {
    const res = await issue('supervisor', { subscriberId: subB, amountPence }).expect(400);
    expect(res.body.details).toEqual([{ field: 'amountPence', messages: expect.arrayContaining([message]) }]);
  });

  it('rejects unknown reasons, a missing note and an unknown subscriber', async () => {
    const res = await issue('support', {
      subscriberId: subB,
      amountPence: 1,
      reasonCode: 'because',
      note: undefined,
    }).expect(400);
    expect(res.body.details.map((d: any) => d.field).sort()).toEqual(['note', 'reasonCode']);
    await issue('support', { subscriberId: randomUUID(), amountPence: 1 }).expect(404);
  });

  it('holds support to £20 per credit and £50 per customer per day', async () => {
    const { subscriber } = await customerWithToken(t, 'CR-LIMIT', '07911 200003');
    const over = await issue('support', { subscriberId: subscriber.id, amountPence: 2001 }).expect(422);
    expect(over.body.message).toMatch(/at most £20.00 at a time/);
    await issue('support', { subscriberId: subscriber.id, amountPence: 2000 }).expect(201);
    await issue('support', { subscriberId: subscriber.id, amountPence: 2000 }).expect(201);
    const daily = await issue('support', { subscriberId: subscriber.id, amountPence: 1001 }).expect(422);
    expect(daily.body.message).toMatch(/credited £40.00 today.*£50.00 per customer per day/);
    await issue('support', { subscriberId: subscriber.id, amountPence: 1000 }).expect(201);
    // A refused request releases its key: the same key may be used again once the request is valid.
    const key = randomUUID();
    await issue('support', { subscriberId: subscriber.id, amountPence: 1 }, key).expect(422);
    expect(await count(t.db, `SELECT count(*) n FROM idempotency_keys WHERE key = $1`, [key])).toBe(0);
    await issue('supervisor', { subscriberId: subscriber.id, amountPence: 5000 }).expect(201); // supervisors: no daily cap
    expect(await balance(subscriber.id)).toBe(10000);
  });

  it('holds the daily limit under parallel requests (per-customer lock)', async () => {
    const { subscriber } = await customerWithToken(t, 'CR-PAR', '07911 200004');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => issue('support', { subscriberId: subscriber.id, amountPence: 1000 })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 422)).toHaveLength(5);
    expect(await balance(subscriber.id)).toBe(5000);
  });

  it('sends supervisor credits above £200 for a second approval by someone else', async () => {
    const res = await issue('supervisor', { subscriberId: subA, amountPence: 25000 }).expect(202);
    expect(res.body).toMatchObject({ status: 'pending_approval', entryId: null });
    const before = await balance(subA);
    const self = await t
      .http()
      .post(`/compensation/credits/${res.body.id}/approve`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(403);
    expect(self.body.message).toMatch(/second person/);
    await t
      .http()
      .post(`/compensation/credits/${res.body.id}/approve`)
      .auth(tokens.support, { type: 'bearer' })
      .expect(403);
    const ok = await t
      .http()
      .post(`/compensation/credits/${res.body.id}/approve`)
      .auth(tokens.admin, { type: 'bearer' })
      .expect(200);
    expect(ok.body).toMatchObject({ status: 'issued', decidedBy: ids.admin });
    expect(await balance(subA)).toBe(before + 25000);
    await t
      .http()
      .post(`/compensation/credits/${res.body.id}/approve`)
      .auth(tokens.admin, { type: 'bearer' })
      .expect(409);
    expect(await ledgerTotal()).toBe(0);
  });

  it('lets a second supervisor reject a pending credit; nothing reaches the ledger', async () => {
    const res = await issue('supervisor', { subscriberId: subA, amountPence: 30000 }).expect(202);
    const rejected = await t
      .http()
      .post(`/compensation/credits/${res.body.id}/reject`)
      .auth(tokens.admin, { type: 'bearer' })
      .send({ reason: 'not justified' })
      .expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: 'not justified', entryId: null });
    await t
      .http()
      .post(`/compensation/credits/${res.body.id}/approve`)
      .auth(tokens.admin, { type: 'bearer' })
      .expect(409);
  });

  it('reverses a credit once, by a supervisor with a reason, as a reversing entry', async () => {
    const { subscriber } = await customerWithToken(t, 'CR-REV', '07911 200005');
    const credit = (await issue('support', { subscriberId: subscriber.id, amountPence: 700 }).expect(201))
      .body;
    const path = `/compensation/credits/${credit.id}/reverse`;
    await t
      .http()
      .post(path)
      .auth(tokens.support, { type: 'bearer' })
      .send({ reason: 'duplicate' })
      .expect(403);
    await t.http().post(path).auth(tokens.supervisor, { type: 'bearer' }).send({}).expect(400);
    const res = await t
      .http()
      .post(path)
      .auth(tokens.supervisor, { type: 'bearer' })
      .send({ reason: 'duplicate' })
      .expect(200);
    expect(res.body).toMatchObject({ reversedBy: ids.supervisor, reversalReason: 'duplicate' });
    expect(await balance(subscriber.id)).toBe(0);
    const entries = await t.db.query(
      `SELECT kind, reverses_entry_id FROM ledger_entries WHERE id IN ($1, $2) ORDER BY kind`,
      [credit.entryId, res.body.reversalEntryId],
    );
    expect(entries).toEqual([
      { kind: 'goodwill_credit', reverses_entry_id: null },
      { kind: 'reversal', reverses_entry_id: credit.entryId },
    ]);
    await t
      .http()
      .post(path)
      .auth(tokens.supervisor, { type: 'bearer' })
      .send({ reason: 'again' })
      .expect(409);
    expect(await count(t.db, `SELECT count(*) n FROM billing_outbox WHERE credit_id = $1`, [credit.id])).toBe(
      2,
    );
    expect(await ledgerTotal()).toBe(0);
  });

  it('keeps the ledger append-only and balanced at the database', async () => {
    await expect(t.db.query(`UPDATE ledger_lines SET amount_pence = 1`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM ledger_entries`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE ledger_lines CASCADE`)).rejects.toThrow(/append-only/);
    const unbalanced = t.db.transaction(async (m) => {
      const [{ id }] = await m.query(
        `INSERT INTO ledger_entries (kind, memo) VALUES ('goodwill_credit', 'x') RETURNING id`,
      );
      await m.query(
        `INSERT INTO ledger_lines (entry_id, account, amount_pence) VALUES ($1, 'expense:goodwill', 100), ($1, $2, -99)`,
        [id, `customer:${subA}`],
      );
    });
    await expect(unbalanced).rejects.toThrow(/does not balance/);
    const lonely = t.db.query(
      `INSERT INTO ledger_entries (kind, memo) VALUES ('goodwill_credit', 'no lines')`,
    );
    await expect(lonely).rejects.toThrow(/does not balance \(0 lines/);
  });

  it('lists credits and reports credits per agent and reason, daily totals, JSON and CSV', async () => {
    const list = await t
      .http()
      .get(`/compensation/credits?subscriberId=${subA}&status=issued`)
      .auth(tokens.support, { type: 'bearer' })
      .expect(200);
    expect(list.body.every((c: any) => c.subscriberId === subA && c.status === 'issued')).toBe(true);
    const agents = await t
      .http()
      .get('/compensation/reports/credits-by-agent')
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(200);
    const supportRow = agents.body.rows.find(
      (r: any) => r.agent_id === ids.support && r.reason_code === 'service_outage',
    );
    const [{ n, s }] = await t.db.query(
      `SELECT count(*)::int n, sum(amount_pence)::int s FROM credits WHERE requested_by = $1 AND status = 'issued'`,
      [ids.support],
    );
    expect(supportRow).toMatchObject({ credits: n, issued_pence: s, reversed: 1, reversed_pence: 700 });
    const daily = await t
      .http()
      .get('/compensation/reports/daily')
      .auth(tokens.admin, { type: 'bearer' })
      .expect(200);
    expect(daily.body.rows).toHaveLength(1);
    const { c } = (
      await t.db.query(`SELECT -sum(amount_pence)::int c FROM ledger_lines WHERE account LIKE 'customer:%'`)
    )[0];
    expect(daily.body.rows[0]).toMatchObject({ reversals: 1, reversed_pence: 700, net_pence: c });
    const csv = await t
      .http()
      .get('/compensation/reports/daily?format=csv')
      .auth(tokens.admin, { type: 'bearer' })
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('day,credits,credited_pence,reversals,reversed_pence,net_pence');
    expect(lines[1].split(',')[5]).toBe(String(c));
    await t.http().get('/compensation/reports/nope').auth(tokens.admin, { type: 'bearer' }).expect(400);
    await t
      .http()
      .get('/compensation/reports/daily?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z')
      .auth(tokens.admin, { type: 'bearer' })
      .expect(400);
  });
});
