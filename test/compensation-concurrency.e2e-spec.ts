import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { LedgerService } from '../src/compensation/ledger.service';
import { startTestApp, TestApp } from './helpers/app';
import { customerWithToken } from './helpers/customer';
import { count, staffTokens } from './helpers/staff';
import { within } from './helpers/within';

// Sized for a machine far slower than an idle one (the whole test took 81 s with the load average at 27 on
// 2 cores): each wait below has its own limit and says what it waited for; jest's limit is only the backstop.
jest.setTimeout(300_000);

/**
 * Two API instances on one database, 1,000 requests for 500 idempotency keys fired at once (each key sent
 * to both instances): exactly 500 credits, one per key, and a ledger that sums to zero.
 */
describe('compensation: idempotency under concurrency across instances', () => {
  let a: TestApp;
  let b: TestApp;
  const urls: string[] = [];
  let token: string;
  const subscribers: string[] = [];

  beforeAll(async () => {
    // idempotency is under test here, not the daily aggregates (issue 18, F4): lift them for one agent's 1,000 credits
    a = await startTestApp({
      CANDOR_ROLE: 'api',
      COMPENSATION_MAX_DAILY_PER_AGENT_PENCE: '100000000',
      COMPENSATION_MAX_DAILY_PER_CUSTOMER_PENCE: '100000000',
      // 1,000 requests queue for 8 connections per instance on a starved machine: many wait past the default
      // 10 s request timeout and the pool's 10 s wait for a connection (fast 503s in production). This test is
      // about exactly-once under concurrency, not latency, so every request waits for its real answer.
      HTTP_REQUEST_TIMEOUT_MS: '0',
      DATABASE_CONNECT_TIMEOUT_MS: '300000',
    });
    b = await startTestApp({ ...a.env, LOG_FILE: `${a.logFile}.b.log` }, { dbUrl: a.dbUrl });
    for (const t of [a, b]) {
      await t.app.listen(0, '127.0.0.1');
      urls.push(`http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`);
    }
    ({
      tokens: { supervisor: token },
    } = await staffTokens(a, ['supervisor']));
    for (let i = 0; i < 20; i++)
      subscribers.push(
        (await customerWithToken(a, `CC-${i}`, `07911 21${String(i).padStart(4, '0')}`)).subscriber.id,
      );
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const post = (url: string, key: string, i: number) =>
    fetch(`${url}/compensation/credits`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify({
        subscriberId: subscribers[i % subscribers.length],
        amountPence: 100 + (i % 7),
        reasonCode: 'service_outage',
        note: `bulk ${i}`,
      }),
    }).then(async (r) => ({ key, status: r.status, body: (await r.json()) as any }));

  it('1,000 parallel requests for 500 keys on two instances make exactly 500 credits; the ledger balances', async () => {
    const keys: string[] = Array.from({ length: 500 }, () => randomUUID());
    const calls = keys.flatMap((key, i) => [() => post(urls[0], key, i), () => post(urls[1], key, i)]);
    for (let i = calls.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [calls[i], calls[j]] = [calls[j], calls[i]];
    }
    let answered = 0;
    const results = await within(
      150_000,
      'the 1,000 parallel credit requests to be answered',
      Promise.all(calls.map((c) => c().finally(() => answered++))),
      () => `${answered} answered`,
    );

    expect(results.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    expect(await count(a.db, `SELECT count(*) n FROM credits`)).toBe(500);
    expect(await count(a.db, `SELECT count(*) n FROM ledger_entries`)).toBe(500);
    expect(await a.get<LedgerService>(LedgerService).trialBalance()).toEqual({
      totalPence: 0,
      entries: 500,
      unbalancedEntries: 0,
    });

    // Every key maps to one credit: the answers that ran agree, and retries of the 409s replay the same credit.
    const creditOf = new Map<string, string>();
    for (const r of results.filter((r) => r.status === 201)) {
      expect(creditOf.get(r.key) ?? r.body.id).toBe(r.body.id);
      creditOf.set(r.key, r.body.id);
    }
    const busy = results.filter((r) => r.status === 409);
    const retried = await within(
      60_000,
      `the ${busy.length} retries of the 409 answers`,
      Promise.all(busy.map((r) => post(urls[1], r.key, keys.indexOf(r.key)))),
    );
    for (const r of retried) {
      expect(r.status).toBe(201);
      if (creditOf.has(r.key)) expect(r.body.id).toBe(creditOf.get(r.key));
      creditOf.set(r.key, r.body.id);
    }
    expect(creditOf.size).toBe(500);
    expect(new Set(creditOf.values()).size).toBe(500);
    expect(await count(a.db, `SELECT count(*) n FROM credits`)).toBe(500);
    expect(await count(a.db, `SELECT count(*) n FROM idempotency_keys WHERE status = 'done'`)).toBe(500);
  });
});
