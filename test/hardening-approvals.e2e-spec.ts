import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { OfferApplyService } from '../src/compensation/offer-apply.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { customerWithToken, eventually } from './helpers/customer';
import { count, staffTokens } from './helpers/staff';
import { NOTICE_VARS } from './helpers/notices';

/** Issue 18: what one person must not do alone, and what must not change after approval (F1, F4, F5). */
describe('hardening: approvals', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let second: Record<string, string>;
  const people: Array<{ id: string; token: string }> = [];

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { listen: true });
    ({ tokens } = await staffTokens(t));
    ({ tokens: second } = await staffTokens(t, ['supervisor']));
    for (let i = 0; i < 4; i++) {
      const { subscriber, token } = await customerWithToken(
        t,
        `HA-${i}`,
        `07911 2003${String(i).padStart(2, '0')}`,
      );
      people.push({ id: subscriber.id, token });
    }
  });
  afterAll(() => t?.close());

  const createOffer = (body: Record<string, unknown>) =>
    t
      .http()
      .post('/compensation/offers')
      .auth(tokens.supervisor, { type: 'bearer' })
      .send({
        name: 'Sorry',
        kind: 'credit',
        value: 100_000,
        eligibility: 'all',
        mode: 'auto',
        claimClosesAt: new Date(Date.now() + 86_400_000).toISOString(),
        ...body,
      });
  const credits = (offerId: string) =>
    count(t.db, `SELECT count(*) n FROM credits WHERE offer_id = $1`, [offerId]);

  describe('F1: credit offers that pay out wait for a second supervisor', () => {
    it('an automatic £1,000 credit for everyone pays nobody until someone else approves it', async () => {
      const subscribers = await count(t.db, `SELECT count(*) n FROM subscribers`);
      const offer = (await createOffer({}).expect(201)).body;
      expect(offer).toMatchObject({ approvalStatus: 'pending', liabilityPence: 100_000 * subscribers });
      // the probe's attack: the job runs, and nobody is credited
      expect(await t.get<OfferApplyService>(OfferApplyService).applyAuto(offer.id)).toBe(0);
      expect(await credits(offer.id)).toBe(0);
      const own = await t
        .http()
        .post(`/compensation/offers/${offer.id}/approve`)
        .auth(tokens.supervisor, { type: 'bearer' })
        .expect(403);
      expect(own.body.message).toMatch(/second person/);
      const seen = await t
        .http()
        .get(`/compensation/offers/${offer.id}`)
        .auth(tokens.support, { type: 'bearer' })
        .expect(200);
      expect(seen.body.liabilityPence).toBe(100_000 * subscribers);
      await t
        .http()
        .post(`/compensation/offers/${offer.id}/approve`)
        .auth(second.supervisor, { type: 'bearer' })
        .expect(200);
      await eventually(async () => (await credits(offer.id)) === subscribers);
      await t
        .http()
        .post(`/compensation/offers/${offer.id}/approve`)
        .auth(tokens.admin, { type: 'bearer' })
        .expect(409);
    });

    it('a claim offer above the liability threshold cannot be claimed or seen before approval', async () => {
      const offer = (await createOffer({ mode: 'claim', value: 10_000, eligibility: 'list' }).expect(201))
        .body;
      expect(offer).toMatchObject({ approvalStatus: 'not_required', liabilityPence: 0 });
      const up = await t
        .http()
        .post(`/compensation/offers/${offer.id}/eligible`)
        .auth(tokens.supervisor, { type: 'bearer' })
        .set('content-type', 'text/csv')
        .send('HA-0\nHA-1\nHA-2\n')
        .expect(201);
      expect(up.body).toMatchObject({ added: 3, liabilityPence: 30_000, approvalStatus: 'pending' });
      await t
        .http()
        .post(`/customer/offers/${offer.id}/claim`)
        .auth(people[0].token, { type: 'bearer' })
        .expect(404);
      const mine = await t
        .http()
        .get('/customer/offers')
        .auth(people[0].token, { type: 'bearer' })
        .expect(200);
      expect(mine.body.map((o: { id: string }) => o.id)).not.toContain(offer.id);
      await t
        .http()
        .post(`/compensation/offers/${offer.id}/approve`)
        .auth(tokens.admin, { type: 'bearer' })
        .expect(200);
      await t
        .http()
        .post(`/customer/offers/${offer.id}/claim`)
        .auth(people[0].token, { type: 'bearer' })
        .expect(201);
      // growing the list past what was approved needs approval again
      const more = await t
        .http()
        .post(`/compensation/offers/${offer.id}/eligible`)
        .auth(tokens.supervisor, { type: 'bearer' })
        .set('content-type', 'text/csv')
        .send('HA-3\n')
        .expect(201);
      expect(more.body).toMatchObject({ liabilityPence: 40_000, approvalStatus: 'pending' });
      await t
        .http()
        .post(`/customer/offers/${offer.id}/claim`)
        .auth(people[1].token, { type: 'bearer' })
        .expect(404);
    });

    it('a small claim offer needs no second person', async () => {
      const offer = (await createOffer({ mode: 'claim', value: 100, eligibility: 'list' }).expect(201)).body;
      await t
        .http()
        .post(`/compensation/offers/${offer.id}/eligible`)
        .auth(tokens.supervisor, { type: 'bearer' })
        .set('content-type', 'text/csv')
        .send('HA-0\n')
        .expect(201);
      await t
        .http()
        .post(`/customer/offers/${offer.id}/claim`)
        .auth(people[0].token, { type: 'bearer' })
        .expect(201);
    });
  });

  describe('F4: daily aggregates send credits to a second approver, for every role', () => {
    const issue = (token: string, subscriberId: string, amountPence: number) =>
      t
        .http()
        .post('/compensation/credits')
        .auth(token, { type: 'bearer' })
        .set('Idempotency-Key', randomUUID())
        .send({ subscriberId, amountPence, reasonCode: 'service_outage', note: 'outage on 3 March' });

    it('five £200 credits to one customer: the second already waits for approval', async () => {
      const { subscriber } = await customerWithToken(t, 'HA-F4', '07911 200390');
      await issue(tokens.supervisor, subscriber.id, 20_000).expect(201);
      const next = await issue(tokens.supervisor, subscriber.id, 20_000).expect(202);
      expect(next.body.status).toBe('pending_approval');
      await issue(tokens.admin, subscriber.id, 100).expect(202);
    });

    it('one agent crediting many customers stops at the agent’s daily aggregate', async () => {
      const { tokens: agent } = await staffTokens(t, ['supervisor']);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { subscriber } = await customerWithToken(t, `HA-AG-${i}`, `07911 20039${i + 1}`);
        statuses.push((await issue(agent.supervisor, subscriber.id, 20_000)).status);
      }
      expect(statuses).toEqual([201, 201, 202]);
    });
  });

  it('F5: an audience upload still streaming when the campaign is approved adds nobody after the approval', async () => {
    const subs = t.get<SubscribersService>(SubscribersService);
    await subs.upsert({ accountId: 'F5-A', msisdn: '07911 200101' });
    await subs.upsert({ accountId: 'F5-B', msisdn: '07911 200102' });
    const id = (
      await t
        .http()
        .post('/campaigns')
        .auth(tokens.comms, { type: 'bearer' })
        .send({
          name: 'F5 streaming audience',
          kind: 'breach-notice',
          audienceType: 'csv',
          channelPolicy: 'sms',
          vars: NOTICE_VARS,
        })
        .expect(201)
    ).body.id;
    const unknown = (from: number) =>
      Array.from({ length: 4999 }, (_, i) => `NOBODY-${from + i}`).join('\n') + '\n';
    const url = new URL(`${t.env.PUBLIC_BASE_URL}/campaigns/${id}/audience`);
    const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.comms}`, 'content-type': 'text/csv' },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body) }));
        },
      );
      req.on('error', reject);
      // first batch (5000 rows): one real subscriber
      req.write('account_id\n' + unknown(0) + 'F5-A\n');
      const audience = () =>
        count(t.db, `SELECT count(*) n FROM campaign_audience WHERE campaign_id = $1`, [id]);
      eventually(async () => (await audience()) === 1)
        .then(() =>
          t.http().post(`/campaigns/${id}/approve`).auth(tokens.supervisor, { type: 'bearer' }).expect(200),
        )
        .then(() => req.end(unknown(10_000) + 'F5-B\n'))
        .catch(reject);
    });
    const res = await answer;
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/became approved while the audience was uploading/);
    expect(await count(t.db, `SELECT count(*) n FROM campaign_audience WHERE campaign_id = $1`, [id])).toBe(
      1,
    );
  });
});
