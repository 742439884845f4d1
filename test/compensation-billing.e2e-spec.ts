import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '../src/compensation/billing-signature';
import { eventually } from './helpers/eventually';
import { startTestApp, TestApp } from './helpers/app';
import { customerWithToken } from './helpers/customer';
import { count, staffTokens } from './helpers/staff';

const SECRET = 'test-billing-secret-0123456789';

/** The operator's billing system, as far as we can tell: checks signatures, fails on demand, counts. */
class Receiver {
  mode: 'flaky' | 'down' | 'up' = 'flaky';
  requests = 0;
  badSignatures = 0;
  accepted = new Map<string, any>();
  private failures = new Map<string, number>();
  server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      this.requests++;
      if (
        !verifySignature(SECRET, body, req.headers[SIGNATURE_HEADER] as string, Math.floor(Date.now() / 1000))
      ) {
        this.badSignatures++;
        return res.writeHead(401).end();
      }
      const id = req.headers['candor-delivery'] as string;
      const failed = this.failures.get(id) ?? 0;
      if (this.mode === 'down' || (this.mode === 'flaky' && failed < 2)) {
        this.failures.set(id, failed + 1);
        return res.writeHead(503).end();
      }
      if (!this.accepted.has(id)) this.accepted.set(id, JSON.parse(body)); // dedupe by delivery id
      res.writeHead(200).end('ok');
    });
  });
  url = '';
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/billing`;
  }
}

describe('compensation: billing hand-off (signed webhooks, retries, dead letters, CSV)', () => {
  const receiver = new Receiver();
  let t: TestApp;
  let tokens: Record<string, string>;
  let sub: string;

  beforeAll(async () => {
    await receiver.start();
    t = await startTestApp({
      BILLING_WEBHOOK_URL: receiver.url,
      BILLING_WEBHOOK_SECRET: SECRET,
      BILLING_WEBHOOK_ATTEMPTS: '3',
      BILLING_WEBHOOK_BACKOFF_MS: '50',
    });
    ({ tokens } = await staffTokens(t, ['supervisor', 'admin']));
    sub = (await customerWithToken(t, 'BL-1', '07911 240001')).subscriber.id;
  });
  afterAll(async () => {
    await t?.close();
    receiver.server.close();
  });

  const issue = (amountPence: number) =>
    t
      .http()
      .post('/compensation/credits')
      .auth(tokens.supervisor, { type: 'bearer' })
      .set('Idempotency-Key', randomUUID())
      .send({ subscriberId: sub, amountPence, reasonCode: 'data_exposure', note: 'leak' })
      .expect(201);
  const outbox = (status?: string) =>
    t
      .http()
      .get(`/compensation/billing/outbox${status ? `?status=${status}` : ''}`)
      .auth(tokens.admin, { type: 'bearer' })
      .expect(200)
      .then((r) => r.body);

  it('delivers each credit once, signed, after failures (exponential backoff)', async () => {
    const credits = [(await issue(100)).body, (await issue(250)).body, (await issue(399)).body];
    await eventually(
      async () =>
        (await count(t.db, `SELECT count(*) n FROM billing_outbox WHERE status = 'delivered'`)) === 3,
      20_000,
      'three billing deliveries',
    );
    expect(receiver.badSignatures).toBe(0);
    expect(receiver.requests).toBe(9); // two failures then a success, per delivery
    expect(receiver.accepted.size).toBe(3);
    const amounts = [...receiver.accepted.values()].map((b) => [
      b.type,
      b.data.creditId,
      b.data.amountPence,
      b.data.accountId,
    ]);
    expect(amounts.sort()).toEqual(credits.map((c) => ['credit.issued', c.id, c.amountPence, 'BL-1']).sort());
    const rows = await outbox('delivered');
    expect(rows.map((r: any) => r.attempts)).toEqual([3, 3, 3]);
  });

  it('parks a delivery that keeps failing in the dead-letter view; staff retry it', async () => {
    receiver.mode = 'down';
    const credit = (await issue(500)).body;
    await eventually(async () => (await outbox('dead')).length === 1, 20_000, 'a dead letter');
    const [dead] = await outbox('dead');
    expect(dead).toMatchObject({
      creditId: credit.id,
      attempts: 3,
      lastError: 'billing webhook answered HTTP 503',
    });
    expect(receiver.accepted.has(String(dead.id))).toBe(false);
    receiver.mode = 'up';
    await t
      .http()
      .post(`/compensation/billing/outbox/${dead.id}/retry`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(200);
    await eventually(async () => receiver.accepted.has(String(dead.id)), 20_000, 'the re-driven delivery');
    await t
      .http()
      .post(`/compensation/billing/outbox/${dead.id}/retry`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(409);
    await t
      .http()
      .post(`/compensation/billing/outbox/999999/retry`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(404);
    await t
      .http()
      .post(`/compensation/billing/outbox/abc/retry`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .expect(400);
    expect(await count(t.db, `SELECT count(*) n FROM audit_events WHERE action = 'billing.retry'`)).toBe(1);
    // the retry is a state change (changeState): its audit row says from where to where
    const [audit] = await t.db.query(
      `SELECT target_id, summary FROM audit_events WHERE action = 'billing.retry'`,
    );
    expect(audit).toEqual({ target_id: String(dead.id), summary: { from: ['dead'], to: 'pending' } });
    await eventually(
      async () => (await outbox('delivered')).some((r: any) => r.id === dead.id),
      20_000,
      'the re-driven row marked delivered',
    );
    const [row] = (await outbox('delivered')).filter((r: any) => r.id === dead.id);
    expect(row).toMatchObject({ attempts: 4, lastError: null });
  });

  it('hands a reversal over as its own event, with a negative amount', async () => {
    const credit = (await issue(700)).body;
    await t
      .http()
      .post(`/compensation/credits/${credit.id}/reverse`)
      .auth(tokens.supervisor, { type: 'bearer' })
      .send({ reason: 'duplicate' })
      .expect(200);
    await eventually(
      () => [...receiver.accepted.values()].some((b) => b.type === 'credit.reversed'),
      20_000,
      'the reversal delivered',
    );
    const reversal = [...receiver.accepted.values()].find((b) => b.type === 'credit.reversed');
    expect(reversal.data).toMatchObject({ creditId: credit.id, amountPence: -700 });
    // The once-only rule is the database's: a second row for the same event and credit is refused.
    await expect(
      t.db.query(
        `INSERT INTO billing_outbox (event_type, credit_id, payload) VALUES ('credit.reversed', $1, '{}')`,
        [credit.id],
      ),
    ).rejects.toThrow(/billing_outbox_once/);
  });

  it('exports billing events by period as CSV; consecutive periods do not overlap', async () => {
    const [{ first, last }] = await t.db.query(
      `SELECT min(created_at) AS first, max(created_at) AS last FROM billing_outbox`,
    );
    const mid = new Date((new Date(first).getTime() + new Date(last).getTime()) / 2).toISOString();
    const from = new Date(new Date(first).getTime() - 1000).toISOString();
    const to = new Date(new Date(last).getTime() + 1000).toISOString();
    const get = (a: string, b: string) =>
      t
        .http()
        .get(`/compensation/billing/export?from=${a}&to=${b}`)
        .auth(tokens.admin, { type: 'bearer' })
        .expect(200);
    const whole = (await get(from, to)).text.trim().split('\n');
    expect(whole[0]).toBe(
      'delivery_id,event_type,credit_id,account_id,amount_pence,currency,source,reason_code,offer_id,created_at',
    );
    expect(whole).toHaveLength(1 + 6);
    expect(whole.filter((l) => l.includes('credit.reversed'))[0]).toMatch(
      /,BL-1,-700,GBP,goodwill,data_exposure,,/,
    );
    const a = (await get(from, mid)).text.trim().split('\n').slice(1);
    const b = (await get(mid, to)).text.trim().split('\n').slice(1);
    expect([...a, ...b].sort()).toEqual(whole.slice(1).sort());
    const res = await t
      .http()
      .get('/compensation/billing/export?from=yesterday')
      .auth(tokens.admin, { type: 'bearer' })
      .expect(400);
    expect(res.body.details.map((d: any) => d.field).sort()).toEqual(['from', 'to']);
  });
});
