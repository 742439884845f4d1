import { NotificationsService } from '../src/notifications/notifications.service';
import { TwilioSandbox } from '../src/sandbox/twilio-sandbox';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { eventually } from './helpers/customer';
import { startTestApp, TestApp } from './helpers/app';
import { analyseSamples } from './helpers/samples';
import { openIncidentWithUpdate } from './helpers/incidents';
import { signInCodeSent } from './helpers/pages';
import { staffTokens } from './helpers/staff';
import { oneOffNoticeVars } from './helpers/notices';

/**
 * The public "am I affected?" flow (number → code by text → answer) and the "is this message from us?" page,
 * in English and Welsh, on the committed samples analysed exactly as the demo does.
 */
describe('customer pages', () => {
  let t: TestApp;
  let sms: TwilioSandbox;
  let affected: string; // E.164 of a subscriber the analysis matched
  let unaffected: string; // E.164 of a subscriber it did not
  const pages: string[] = []; // every HTML page served, checked for full numbers at the end

  beforeAll(async () => {
    t = await startTestApp();
    sms = t.get(TwilioSandbox);
    const run = await analyseSamples(t);
    affected = (
      await t.db.query(
        `SELECT s.msisdn FROM subscribers s JOIN analysis_matches m ON m.subscriber_id = s.id
         WHERE m.run_id = $1 ORDER BY s.msisdn LIMIT 1`,
        [run.runId],
      )
    )[0].msisdn;
    // every sample subscriber is in the sample logs; this one joined after them
    unaffected = (
      await t.get<SubscribersService>(SubscribersService).upsert({ accountId: 'CP-1', msisdn: '07911123457' })
    ).msisdn;
  });
  afterAll(() => t?.close());

  const national = (e164: string) => '0' + e164.slice(3);
  const masked = (e164: string) => `+44 7*** ***${e164.slice(-3)}`;

  const html = (res: { status: number; text: string; headers: Record<string, string> }) => {
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    pages.push(res.text);
    return res.text;
  };

  /** Step 1: posts the number (as a person would type it) and returns the step-2 page and its challenge. */
  async function requestCode(typed: string, locale = 'en') {
    const res = await t.http().post('/affected').type('form').send({ msisdn: typed, locale });
    const text = html(res);
    const challengeId = /name="challengeId" value="([0-9a-f-]{36})"/.exec(text)?.[1];
    return { status: res.status, text, challengeId: challengeId! };
  }

  const sentTo = (e164: string) => sms.messages.all.filter((m) => m.to === e164);

  /** The code in the newest text to `e164`, waiting for one newer than the `seen` texts already there. */
  async function codeSentTo(e164: string, seen: number): Promise<string> {
    return (await signInCodeSent(sms, e164, seen)).code;
  }

  const postCode = async (challengeId: string, code: string, locale = 'en') => {
    const res = await t.http().post('/affected/verify').type('form').send({ challengeId, code, locale });
    return { status: res.status, text: html(res) };
  };

  it('serves the number form in English and Welsh, with a link to the other language', async () => {
    const en = html(await t.http().get('/affected').expect(200));
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('action="/affected"');
    expect(en).toContain('href="/affected?lang&#x3D;cy"');
    const cy = html(await t.http().get('/affected?lang=cy').expect(200));
    expect(cy).toContain('<html lang="cy">');
    expect(cy).toContain('A yw hyn yn effeithio arnaf i?');
    expect(cy).toContain('name="locale" value="cy"');
    await t.http().get('/affected?lang=fr').expect(400);
  });

  it('shows an affected subscriber that they were affected, with the window, masked number only', async () => {
    const seen = sentTo(affected).length;
    const step2 = await requestCode(national(affected).replace(/^(\d{5})/, '$1 '));
    expect(step2.status).toBe(200);
    expect(step2.text).toContain(masked(affected));
    const code = await codeSentTo(affected, seen);
    const answer = await postCode(step2.challengeId, code);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain(`Your number ${masked(affected)} was affected.`);
    expect(answer.text).toContain('First seen');
    expect(answer.text).toMatch(/<dt>Last seen<\/dt><dd><time datetime="2025-11-2\d/);
    expect(answer.text).toMatch(/<dt>Number of websites<\/dt><dd>\d+<\/dd>/);
    expect(answer.text).toContain('href="/account/offers"');
    expect(answer.text).toContain('href="/account/number-change"');
    // the one-time session verification opens is closed at once: nothing usable is left behind
    const open = await t.db.query(
      `SELECT count(*)::int AS n FROM customer_sessions WHERE revoked_at IS NULL AND expires_at > $1`,
      [t.clock.now()],
    );
    expect(open[0].n).toBe(0);
    // and the code works once only
    expect((await postCode(step2.challengeId, code)).status).toBe(400);
  });

  it('tells an unaffected subscriber they were not affected, in Welsh', async () => {
    const seen = sentTo(unaffected).length;
    const step2 = await requestCode(unaffected, 'cy');
    expect(step2.text).toContain('<html lang="cy">');
    const answer = await postCode(step2.challengeId, await codeSentTo(unaffected, seen), 'cy');
    expect(answer.status).toBe(200);
    expect(answer.text).toContain(`Ni effeithiwyd ar eich rhif ${masked(unaffected)}.`);
    expect(answer.text).not.toContain('Gwelwyd gyntaf');
    expect(answer.text).toContain('href="/account/offers?lang&#x3D;cy"');
  });

  it('explains a wrong code and offers the code form again and a fresh start', async () => {
    const seen = sentTo(affected).length;
    const step2 = await requestCode(affected);
    const right = await codeSentTo(affected, seen);
    const wrong = right === '000000' ? '111111' : '000000';
    const res = await postCode(step2.challengeId, wrong);
    expect(res.status).toBe(400);
    expect(res.text).toContain('That code is not right');
    expect(res.text).toContain(`value="${step2.challengeId}"`);
    expect(res.text).toContain('href="/affected"');
    expect(res.text).not.toContain('was affected');
    // an unknown challenge reads the same
    const unknown = await postCode('00000000-0000-4000-8000-000000000000', right);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('That code is not right');
  });

  it('gives a non-subscriber the same step-2 page, sends nothing, and no code gets in', async () => {
    const stranger = '+447911123460';
    const before = sms.messages.all.length;
    const seen = sentTo(unaffected).length;
    const a = await requestCode(national(stranger));
    const b = await requestCode(unaffected);
    const strip = (text: string, e164: string) =>
      text.replace(/[0-9a-f-]{36}/g, 'ID').replace(masked(e164), 'NUMBER');
    expect(a.status).toBe(200);
    expect(strip(a.text, stranger)).toBe(strip(b.text, unaffected));
    await codeSentTo(unaffected, seen);
    expect(sentTo(stranger)).toEqual([]);
    expect(sms.messages.all.length).toBe(before + 1);
    const res = await postCode(a.challengeId, '123456');
    expect(res.status).toBe(400);
    expect(res.text).toContain('That code is not right');
  });

  it('explains an invalid number, and too many codes kindly', async () => {
    const bad = await requestCode('12345');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a valid UK mobile number.');
    expect(bad.text).toContain('action="/affected"');
    const number = '07911123461';
    let last = await requestCode(number, 'cy');
    for (let i = 0; i < 6 && last.status === 200; i++) last = await requestCode(number, 'cy');
    expect(last.status).toBe(429);
    expect(last.text).toContain('Er eich diogelwch');
    expect(last.challengeId).toBeUndefined();
  });

  it('links the status page help to the flow in both languages', async () => {
    // the help blocks show on a current personal-data breach (issue 17: only where they apply)
    await openIncidentWithUpdate(t, (await staffTokens(t)).tokens);
    await eventually(
      async () => (await t.http().get('/status')).text.includes('<a href="/affected">'),
      15_000,
      'the breach help on /status',
    );
    expect((await t.http().get('/status').expect(200)).text).toContain('<a href="/affected">');
    expect((await t.http().get('/status?lang=cy').expect(200)).text).toContain(
      '<a href="/affected?lang&#x3D;cy">',
    );
  });

  it('checks a message in Welsh: genuine, unknown, and the empty form', async () => {
    await t.get<NotificationsService>(NotificationsService).send({
      kind: 'breach-notice',
      channel: 'sms',
      to: unaffected,
      vars: oneOffNoticeVars(t.env.PUBLIC_BASE_URL, 'Vi'),
      dedupeKey: 'customer-pages-verify',
    });
    const body = (
      await sms.messages.waitFor((all) => all.some((m) => m.to === unaffected && /verify\//.test(m.body)))
    ).find((m) => m.to === unaffected && /verify\//.test(m.body))!.body;
    const code = /verify\/([0-9A-Z]+-[0-9A-Z]+)/.exec(body)![1];
    const genuine = await eventually(async () => {
      const res = await t.http().get(`/verify?code=${code}&lang=cy`).expect(200);
      return res.text.includes('Dilys.') ? res : null;
    });
    const text = html(genuine!);
    expect(text).toContain('<html lang="cy">');
    expect(text).toContain('Gwirio bod neges gennym ni');
    expect(text).toContain('drwy neges destun');
    expect(text).toContain(`href="/verify?code&#x3D;${code}"`); // English version of the same check
    const unknown = html(await t.http().get('/verify?code=FAKE-CODE12&lang=cy').expect(200));
    expect(unknown).toContain('Heb ei hadnabod.');
    expect(unknown).toContain('FAKE-CODE12');
    const en = html(await t.http().get('/verify?code=FAKE-CODE12').expect(200));
    expect(en).toContain('Not recognised.');
    const empty = html(await t.http().get('/verify?lang=cy').expect(200));
    expect(empty).not.toContain('role="alert"');
    expect(empty).toContain('name="lang" value="cy"');
  });

  it('never put a full number in any page', () => {
    expect(pages.length).toBeGreaterThan(15);
    for (const e164 of [affected, unaffected]) {
      for (const form of [e164, e164.slice(1), national(e164), e164.slice(3)]) {
        for (const page of pages) expect(page).not.toContain(form);
      }
    }
  });
});
