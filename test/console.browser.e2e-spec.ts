import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { Clock } from '../src/platform/clock/clock';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { axe, ConsoleBrowser, Hands, OUT, sidewaysOverflow, ukLocal } from './helpers/console-browser';
import { count, PASSWORD, staffTokens } from './helpers/staff';

describe('staff console in headless Chromium', () => {
  let t: TestApp;
  let base: string;
  const cb = new ConsoleBrowser();
  const open = (width = 1280, forAxe = false): Promise<Page> => cb.open(width, forAxe);
  const signIn = (h: Hands, role: string) => cb.signIn(h, role);

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { listen: true });
    base = t.env.PUBLIC_BASE_URL;
    await cb.start(t);
    await t.get<SubscribersService>(SubscribersService).upsert({
      accountId: 'ACC-424242',
      msisdn: '07911 123456',
      email: 'alex@example.com',
      firstName: 'Alex',
    });
  }, 120_000); // an app and a browser booting on a busy machine
  afterAll(async () => {
    await cb.stop();
    t.get<Clock>(Clock).reset();
    await t?.close();
  });

  it('comms opens an incident and drafts from a template, a supervisor approves from the inbox, it is scheduled and appears on /status', async () => {
    const comms = new Hands(await open());
    const t0 = Date.now();
    await signIn(comms, 'comms');
    await comms.click(comms.page.getByRole('link', { name: 'Incidents' }));
    await comms.click(comms.page.getByRole('button', { name: 'Open an incident' }));
    await comms.type(comms.page.getByLabel('Title (English)'), 'Mobile numbers shared with websites');
    await comms.type(
      comms.page.getByLabel('Affected services (English, comma-separated)'),
      'mobile web browsing',
    );
    await comms.click(comms.page.getByRole('button', { name: 'Open incident' }));
    await comms.click(comms.page.getByRole('button', { name: 'Draft an update' }));
    await comms.click(comms.page.getByRole('combobox', { name: 'Start from a template' }));
    await comms.click(comms.page.getByRole('option', { name: 'Investigating' }));
    expect(await comms.page.getByRole('textbox', { name: 'English', exact: true }).inputValue()).toContain(
      'mobile web browsing',
    );
    await comms.click(comms.page.getByRole('button', { name: 'Submit for approval' }));
    await comms.page.getByText('Waiting for someone else to approve.').waitFor();
    await comms.page.screenshot({ path: join(OUT, 'console-workspace.png'), fullPage: true });

    const sup = new Hands(await open(390));
    await signIn(sup, 'supervisor');
    await sup.click(sup.page.getByRole('button', { name: 'Menu' }));
    // the count in the navigation, pushed by server-sent events
    await sup.page.getByLabel('1 waiting').waitFor();
    await sup.click(sup.page.getByRole('link', { name: /Approvals/ }));
    await sup.page.screenshot({ path: join(OUT, 'console-approvals-390.png'), fullPage: true });
    await sup.click(sup.page.getByRole('button', { name: /^Approve: Update to/ }));
    await sup.page.getByText('Nothing waits for your decision.').waitFor();

    // back to comms: the approval arrives by the live stream, no reload
    await comms.page.getByRole('button', { name: 'Publish now' }).waitFor();
    const at = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 60_000);
    await comms.type(comms.page.getByLabel('Publish at (UK time)'), ukLocal(at));
    // the server's clock a few seconds before the chosen minute, so the scheduled job fires soon
    t.get<Clock>(Clock).travelTo(new Date(at.getTime() - 3_000));
    await comms.click(comms.page.getByRole('button', { name: 'Schedule', exact: true }));
    await comms.page.getByText(/will publish/).waitFor();
    await comms.page.getByText('Published', { exact: true }).waitFor();
    const seconds = (Date.now() - t0) / 1000;
    const status = await (await open(390)).goto(`${base}/status`);
    expect(await status!.text()).toContain('We are investigating a problem affecting mobile web browsing');

    const total = { clicks: comms.clicks + sup.clicks, keys: comms.keys + sup.keys };
    writeFileSync(
      join(OUT, 'console-journey.json'),
      JSON.stringify(
        { comms: [comms.clicks, comms.keys], supervisor: [sup.clicks, sup.keys], total, seconds },
        null,
        2,
      ),
    );
    process.stderr.write(`first journey: ${JSON.stringify({ total, seconds })}\n`);
  }, 120_000);

  it('a supervisor sends an update back with a comment from the inbox; its author sees it, edits, resubmits; it is approved', async () => {
    const login = await t
      .http()
      .post('/auth/login')
      .send({ email: cb.emails.comms, password: PASSWORD })
      .expect(200);
    const token = login.body.token as string;
    const incident = (
      await t
        .http()
        .post('/incidents')
        .auth(token, { type: 'bearer' })
        .send({ title: 'Roaming data outage', impact: 'major', detectedAt: new Date().toISOString() })
        .expect(201)
    ).body;
    const update = (
      await t
        .http()
        .post(`/incidents/${incident.id}/updates`)
        .auth(token, { type: 'bearer' })
        .send({ body: 'Roaming data is not working.' })
        .expect(201)
    ).body;

    // the supervisor, from the inbox, with the keyboard: an empty comment is refused in words tied to the field
    const sup = new Hands(await open(390, true));
    await signIn(sup, 'supervisor');
    await sup.page.goto(`${base}/console/approvals`);
    const sendBack = sup.page.getByRole('button', { name: 'Send back: Update to “Roaming data outage”' });
    await sendBack.focus();
    await sup.press('Enter');
    const card = sup.page.getByRole('listitem').filter({ has: sendBack });
    const comment = card.getByRole('textbox', { name: /Comment for the author/ });
    const error = card.getByText(/Write why before you send back/);
    await error.waitFor();
    const errorId = await error.getAttribute('id');
    expect(errorId).toBeTruthy();
    expect((await comment.getAttribute('aria-describedby'))?.split(' ')).toContain(errorId);
    expect(await comment.getAttribute('aria-invalid')).toBe('true');
    await axe(sup.page, 'approvals with a missing comment@390');
    await comment.focus();
    await sup.page.keyboard.type('Please say which countries are affected.');
    await sup.press('Tab');
    expect(await sendBack.evaluate((el) => el === (globalThis as any).document.activeElement)).toBe(true);
    await sup.press('Enter');
    await sendBack.waitFor({ state: 'detached' }); // out of the inbox
    const [returned] = await t.db.query(
      `SELECT status, returned_comment FROM incident_updates WHERE id = $1`,
      [update.id],
    );
    expect(returned).toEqual({
      status: 'returned',
      returned_comment: 'Please say which countries are affected.',
    });

    // its author: in "Sent back to you" on Now, and on the draft in the workspace, where they edit and resubmit
    const comms = new Hands(await open(1280, true));
    await signIn(comms, 'comms');
    const now = comms.page.getByRole('region', { name: 'Sent back to you' });
    await now.getByText('Please say which countries are affected.').waitFor();
    await comms.click(now.getByRole('link', { name: 'Update to “Roaming data outage”' }));
    await comms.page.getByText('Comment from the approver:').first().waitFor();
    await axe(comms.page, 'workspace with a returned update@1280');
    await comms.click(comms.page.getByRole('button', { name: 'Edit and resubmit' }));
    const english = comms.page.getByRole('textbox', { name: 'English', exact: true });
    expect(await english.inputValue()).toBe('Roaming data is not working.');
    await comms.type(english, 'Roaming data is not working. Customers in France and Spain are affected.');
    await comms.type(
      comms.page.getByRole('textbox', { name: 'Welsh (Cymraeg)' }),
      'Nid yw data crwydro’n gweithio.',
    );
    // the live preview: what subscribers get by SMS (encoding, segments) and email, English and Welsh
    const preview = comms.page.getByRole('region', { name: 'What subscribers will get' });
    await preview.getByText(/Customers in France and Spain are affected\./).waitFor();
    await preview.getByText('Nid yw data crwydro’n gweithio.').waitFor();
    expect(await preview.getByText(/^GSM-7, \d+ characters, \d segments?$/).count()).toBe(2);
    await axe(comms.page, 'workspace drafting with the preview@1280');
    await comms.click(comms.page.getByRole('button', { name: 'Resubmit for approval' }));
    await comms.page.getByText('Waiting for someone else to approve.').waitFor();

    // back in the supervisor's inbox (live), approved there
    const approve = sup.page.getByRole('button', { name: 'Approve: Update to “Roaming data outage”' });
    await approve.waitFor({ timeout: 15_000 });
    await sup.click(approve);
    await approve.waitFor({ state: 'detached' });
    const [done] = await t.db.query(
      `SELECT status, body, returned_comment FROM incident_updates WHERE id = $1`,
      [update.id],
    );
    expect(done).toEqual({
      status: 'approved',
      body: 'Roaming data is not working. Customers in France and Spain are affected.',
      returned_comment: null,
    });
  }, 120_000);

  it('support finds a customer by number and issues £5.00; a double click makes one credit', async () => {
    const h = new Hands(await open());
    const t0 = Date.now();
    await signIn(h, 'support');
    await h.click(h.page.getByRole('link', { name: 'Customers' }));
    await h.type(h.page.getByLabel('Account id, mobile number, email or first name'), '+44 7911 123456');
    await h.press('Enter');
    await h.page.getByRole('heading', { name: 'Alex' }).waitFor();
    await h.type(h.page.getByLabel('Amount in pounds (£)'), '5.00');
    await h.type(h.page.getByLabel('Reason'), 'Sorry for the leak');
    h.clicks += 2;
    await h.page.getByRole('button', { name: 'Issue credit' }).dblclick();
    await h.page.getByText('Credit of £5.00 issued.').waitFor();
    const seconds = (Date.now() - t0) / 1000;
    await h.page.getByRole('cell', { name: '£5.00' }).waitFor();
    expect(await count(t.db, `SELECT count(*) AS n FROM credits WHERE amount_pence = 500`)).toBe(1);
    expect(await count(t.db, `SELECT count(*) AS n FROM credits`)).toBe(1);
    expect(await h.page.locator('body').innerText()).not.toContain('7911 123456');
    await h.page.screenshot({ path: join(OUT, 'console-customer.png'), fullPage: true });
    writeFileSync(
      join(OUT, 'console-support-journey.json'),
      JSON.stringify({ clicks: h.clicks, keys: h.keys, seconds }),
    );
  }, 150_000); // longer than the browser's waits inside, so a slow step fails naming what it waited for

  it('refuses the session cookie cross-site: a form on another site cannot write', async () => {
    const page = await open();
    await signIn(new Hands(page), 'admin');
    const before = await count(t.db, 'SELECT count(*) AS n FROM incidents');
    // localhost and 127.0.0.1 are different sites: SameSite=Strict keeps the cookie home. The attacker's page
    // is served as another site would serve it (our own pages carry CSP form-action 'self', which would stop
    // the form before the cookie rule is tested).
    const other = base.replace('127.0.0.1', 'localhost');
    await page.route(`${other}/attacker`, (r) =>
      r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Win a prize</title><p>Hello</p>' }),
    );
    await page.goto(`${other}/attacker`);
    await page.evaluate((target: string) => {
      const d = (globalThis as any).document;
      const f = d.createElement('form');
      f.method = 'POST';
      f.action = target;
      for (const [k, v] of [
        ['title', 'Forged'],
        ['impact', 'major'],
        ['detectedAt', '2026-12-03T08:00:00Z'],
      ]) {
        const i = d.createElement('input');
        i.name = k;
        i.value = v;
        f.appendChild(i);
      }
      d.body.appendChild(f);
      f.submit();
    }, `${base}/incidents`);
    await page.waitForURL(`${base}/incidents`);
    // refused: the JSON error, or for a browser the HTML sign-in error page (no session reached the API)
    expect(await page.locator('body').innerText()).toMatch(
      /"statusCode":\s*40[13]|Please sign in|You need to be signed in/,
    );
    expect(await count(t.db, 'SELECT count(*) AS n FROM incidents')).toBe(before);
  }, 150_000);

  it('has no axe violations on any screen, at 390 px and 1280 px', async () => {
    const { tokens } = await staffTokens(t, ['comms']);
    const incident = (
      await t
        .http()
        .post('/incidents')
        .auth(tokens.comms, { type: 'bearer' })
        .send({ title: 'Axe incident', impact: 'major', detectedAt: new Date().toISOString() })
        .expect(201)
    ).body;
    await t
      .http()
      .post(`/incidents/${incident.id}/updates`)
      .auth(tokens.comms, { type: 'bearer' })
      .send({ template: 'investigating' })
      .expect(201);
    const [customer] = await t.db.query('SELECT id FROM subscribers LIMIT 1');
    const screens = [
      '/console/',
      '/console/incidents',
      '/console/incidents?new=1',
      `/console/incidents/${incident.id}`,
      '/console/approvals',
      '/console/customers',
      `/console/customers/${customer.id}`,
      '/console/number-changes',
      '/console/campaigns',
      '/console/analysis',
      '/console/admin',
    ];
    for (const width of [390, 1280]) {
      const anon = await open(width, true);
      await anon.goto(`${base}/console/login`);
      await anon.getByRole('button', { name: 'Sign in' }).waitFor();
      await axe(anon, `login@${width}`);
      const page = await open(width, true);
      await signIn(new Hands(page), 'admin');
      for (const s of screens) {
        await page.goto(`${base}${s}`);
        await page.getByRole('heading', { level: 2 }).first().waitFor();
        // the page's data has arrived (the live stream never lets the network go idle)
        await page.waitForFunction(() => !(globalThis as any).document.body.innerText.includes('Loading'));
        await axe(page, `${s}@${width}`);
        // nothing wider than the screen
        const overflow = await sidewaysOverflow(page);
        expect({ s, width, overflow }).toEqual({ s, width, overflow: 0 });
      }
      await page.screenshot({ path: join(OUT, `console-admin-${width}.png`), fullPage: true });
    }
  }, 240_000);
});
