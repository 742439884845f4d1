import { TestApp } from './app';
import { NOTICE_VARS } from './notices';

/** Creates a breach-notice campaign with a CSV audience as comms (`token`); returns its id. */
export async function createCsvCampaign(
  t: TestApp,
  token: string,
  prefix: string,
  policy: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const c = await t
    .http()
    .post('/campaigns')
    .auth(token, { type: 'bearer' })
    .send({
      name: `Notice ${prefix}`,
      kind: 'breach-notice',
      audienceType: 'csv',
      channelPolicy: policy,
      vars: NOTICE_VARS,
      ...extra,
    })
    .expect(201);
  return c.body.id as string;
}

/** Uploads a campaign's CSV audience as comms; returns the upload report. */
export async function uploadAudience(t: TestApp, token: string, id: string, csv: string) {
  const res = await t
    .http()
    .post(`/campaigns/${id}/audience`)
    .auth(token, { type: 'bearer' })
    .set('content-type', 'text/csv')
    .send(csv)
    .expect(201);
  return res.body;
}
