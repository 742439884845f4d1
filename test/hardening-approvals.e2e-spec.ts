import { request as httpRequest } from 'node:http';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/customer';
import { count, staffTokens } from './helpers/staff';

/** Issue 18: what one person must not do alone, and what must not change after approval (F1, F4, F5). */
describe('hardening: approvals', () => {
  let t: TestApp;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { listen: true });
    ({ tokens } = await staffTokens(t));
  });
  afterAll(() => t?.close());

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
          vars: { incidentTitle: 'Numbers shared', statusUrl: `${t.env.PUBLIC_BASE_URL}/status` },
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
