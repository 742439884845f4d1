import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { TwilioSandbox } from '../../src/sandbox/twilio-sandbox';
import { TestApp } from './app';

/** A browser-like client: keeps cookies, asks for HTML (as a phone's browser does). */
export function browserAgent(t: TestApp): TestAgent {
  return request.agent(t.app.getHttpServer()).set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
}

/** The hidden form token of the first form on a page. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no form token on the page');
  return m[1];
}

/** The sign-in code SMS (otpText), English or Welsh. */
const CODE_TEXT = /(?:sign-in code is|cod mewngofnodi Candor yw) (\d{6})\b/;

/**
 * The first sign-in code SMS to `e164` after the `seen` texts it already had, waiting for it. Matched by its
 * wording: another text to the number (a notice, a number-change message queued by an earlier step) may
 * arrive first, and a 6-digit number in it is not the code.
 */
export async function signInCodeSent(sms: TwilioSandbox, e164: string, seen: number) {
  const isCode = (m: { to: string; body: string }) => m.to === e164 && CODE_TEXT.test(m.body);
  const fresh = () => sms.messages.all.filter((m) => m.to === e164).slice(seen);
  await sms.messages.waitFor(() => fresh().some(isCode), 30_000, `a sign-in code SMS to ${e164}`);
  const text = fresh().find(isCode)!.body;
  return { text, code: CODE_TEXT.exec(text)![1] };
}

/** Signs `e164` in to My account through the pages: number, code from the Twilio sandbox, cookie. */
export async function signInThroughPages(t: TestApp, agent: TestAgent, e164: string, lang = 'en') {
  const sms = t.get<TwilioSandbox>(TwilioSandbox);
  const seen = sms.messages.all.filter((m) => m.to === e164).length;
  const form = await agent.get(`/account/sign-in${lang === 'en' ? '' : `?lang=${lang}`}`).expect(200);
  const step2 = await agent
    .post('/account/sign-in')
    .type('form')
    .send({ msisdn: '0' + e164.slice(3), locale: lang, _csrf: csrfOf(form.text) })
    .expect(200);
  const challengeId = /name="challengeId" value="([0-9a-f-]{36})"/.exec(step2.text)![1];
  const { text, code } = await signInCodeSent(sms, e164, seen);
  const done = await agent
    .post('/account/sign-in/code')
    .type('form')
    .send({ challengeId, code, locale: lang, _csrf: csrfOf(step2.text) })
    .expect(303);
  return {
    text,
    setCookie: done.headers['set-cookie'] as unknown as string[],
    location: done.headers.location,
  };
}

/** A claimable credit offer open for 30 days, for everyone or for the listed numbers only. */
export async function creditOffer(
  t: TestApp,
  supervisorToken: string,
  name: string,
  pence: number,
  only?: string[],
) {
  const offer = await t
    .http()
    .post('/compensation/offers')
    .auth(supervisorToken, { type: 'bearer' })
    .send({
      name,
      kind: 'credit',
      value: pence,
      eligibility: only ? 'list' : 'all',
      claimClosesAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      mode: 'claim',
    })
    .expect(201);
  if (only)
    await t
      .http()
      .post(`/compensation/offers/${offer.body.id}/eligible`)
      .auth(supervisorToken, { type: 'bearer' })
      .type('text/csv')
      .send(`msisdn\n${only.join('\n')}\n`)
      .expect(201);
  return offer.body.id as string;
}
