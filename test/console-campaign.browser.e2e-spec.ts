import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Clock } from '../src/platform/clock/clock';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { SubscribersImportService } from '../src/subscribers/subscribers-import.service';
import { startTestApp, TestApp } from './helpers/app';
import { axe, ConsoleBrowser, Hands, OUT, sidewaysOverflow } from './helpers/console-browser';
import { openIncident } from './helpers/incidents';
import { count, staffTokens } from './helpers/staff';

/**
 * Issue 15's campaign journey in a real browser: a supervisor analyses the sample logs from the console
 * (files picked from the input folder, window, partner) and watches the run finish live; comms creates a
 * campaign from the run, reads the preview and the texts; another supervisor approves it from the inbox;
 * comms starts it and watches it run to completion by server-sent events; the supervisor downloads outcomes.
 */
describe('console: analysis and a campaign from it, in headless Chromium', () => {
  let t: TestApp;
  let base: string;
  const cb = new ConsoleBrowser();

  beforeAll(async () => {
    // the sweeper completes finished campaigns; every 2 s here so the journey does not wait 15 s for it
    t = await startTestApp({ SWEEP_INTERVAL_SECONDS: '2' }, undefined, { listen: true });
    base = t.env.PUBLIC_BASE_URL;
    await cb.start(t);
    await t
      .get<SubscribersImportService>(SubscribersImportService)
      .importFile(join(__dirname, '..', 'samples', 'subscribers.csv'), { ...SYSTEM_ACTOR, id: 'test' });
  }, 120_000); // an app and a browser booting on a busy machine
  afterAll(async () => {
    await cb.stop();
    t.get<Clock>(Clock).reset();
    await t?.close();
  });

  let runId = '';
  let campaignId = '';

  it('a supervisor starts an analysis from the input folder and sees it finish live, with its report', async () => {
    const sup = new Hands(await cb.open());
    await cb.signIn(sup, 'supervisor');
    await sup.click(sup.page.getByRole('link', { name: 'Analysis' }));
    for (const f of ['gateway-squid.log', 'proxysg-elff.log', 'envoy.jsonl.gz'])
      await sup.click(sup.page.getByRole('checkbox', { name: `${f} (`, exact: false }));
    await sup.type(sup.page.getByLabel('From (UK time)'), '2025-11-24T00:00');
    await sup.type(sup.page.getByLabel('To (UK time, not included)'), '2025-11-26T00:00');
    await sup.type(sup.page.getByLabel(/^Trusted partners/), 'o2.co.uk');
    await sup.click(sup.page.getByRole('button', { name: 'Start analysis' }));
    // the run page follows the run by server-sent events: no reload
    await sup.page.waitForURL(/\/console\/analysis\/[0-9a-f-]{36}$/);
    runId = sup.page.url().split('/').pop()!;
    await sup.page.evaluate(() => ((globalThis as any).__samePage = true));
    await sup.page
      .getByRole('status')
      .filter({ hasText: /^Finished/ })
      .waitFor({ timeout: 60_000 });
    expect(await sup.page.evaluate(() => (globalThis as any).__samePage)).toBe(true);

    const [run] = await t.db.query(
      `SELECT status, matched_subscribers, partners FROM analysis_runs WHERE id = $1`,
      [runId],
    );
    expect(run.status).toBe('completed');
    expect(run.partners).toEqual(['o2.co.uk']);
    run.matched_subscribers = Number(run.matched_subscribers);
    expect(run.matched_subscribers).toBeGreaterThan(0);
    const figure = sup.page.getByText('Customers matched', { exact: true }).locator('..');
    expect(await figure.innerText()).toContain(String(run.matched_subscribers));
    await sup.page.getByRole('region', { name: 'Top websites' }).getByRole('row').nth(1).waitFor();
    await sup.page.getByRole('img', { name: /^Exposures per (hour|day)/ }).waitFor();
    const matched = sup.page.getByRole('region', { name: 'Matched customers' }).getByRole('row');
    await matched.nth(1).waitFor();
    expect(await matched.count()).toBe(Math.min(100, run.matched_subscribers) + 1);
    // the page shows account ids, never a number
    expect(await sup.page.locator('body').innerText()).not.toMatch(/\+?44\s?7\d{3}\s?\d{6}|07\d{9}/);

    // the CSV export of the matched customers
    const [download] = await Promise.all([
      sup.page.waitForEvent('download'),
      sup.click(sup.page.getByRole('link', { name: 'Download matched customers (CSV)' })),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv.length).toBe(run.matched_subscribers + 1);
    await sup.page.screenshot({ path: join(OUT, 'console-analysis-run.png'), fullPage: true });
  }, 120_000);

  it('comms creates a campaign from the run, a second person approves it from the inbox, it runs to completion live', async () => {
    expect(runId).not.toBe('');
    const comms = new Hands(await cb.open());
    await cb.signIn(comms, 'comms');
    await comms.click(comms.page.getByRole('link', { name: 'Campaigns' }));
    await comms.click(comms.page.getByRole('button', { name: 'New campaign' }));
    await comms.click(comms.page.getByRole('combobox', { name: 'Customers from the analysis run' }));
    await comms.click(comms.page.getByRole('option', { name: /customers$/ }));
    await comms.type(comms.page.getByLabel('Campaign name (staff only)'), 'Tell the exposed customers');
    await comms.type(
      comms.page.getByLabel('Incident title, as customers will read it'),
      'Mobile numbers shared with websites',
    );
    // the breach notice's paragraphs (every Annex II item, or approval is refused); links are Candor's
    for (const [label, text] of [
      ['What happened', 'A fault in our web gateway shared your number with websites.'],
      ['When it happened (estimated date)', 'From 17 to 24 November 2025.'],
      ['What data is concerned', 'Your mobile number only.'],
      ['Likely consequences for the customer', 'You may get unwanted calls.'],
      ['Other relevant circumstances', 'No sign of misuse.'],
      ['What we have done', 'We fixed the gateway.'],
      ['What the customer should do', 'Be wary of unexpected calls.'],
      ['Who to contact (our contact point follows)', 'Call us free on'],
    ])
      await comms.type(comms.page.getByLabel(label, { exact: false }), text);
    // the texts as customers get them, rendered by the server with these values
    const smsPreview = comms.page.getByRole('region', { name: 'Text message preview' });
    await smsPreview.getByText(/^\d parts? \(/).waitFor();
    expect(await smsPreview.innerText()).toContain(`${base}/status`);
    await comms.page.screenshot({ path: join(OUT, 'console-campaign-form.png'), fullPage: true });
    await comms.click(comms.page.getByRole('button', { name: 'Create campaign' }));
    await comms.page.waitForURL(/\/console\/campaigns\/[0-9a-f-]{36}$/);
    campaignId = comms.page.url().split('/').pop()!;

    // the preview: counts per channel and language, cost, time to send
    const preview = comms.page.getByRole('region', { name: 'Before sending' });
    await preview
      .getByText(/customers: \d+ text messages and \d+ emails\. Estimated cost £\d+\.\d\d/)
      .waitFor();
    const [{ audience }] = await t.db.query(
      `SELECT matched_subscribers::int AS audience FROM analysis_runs WHERE id = $1`,
      [runId],
    );
    expect(await preview.innerText()).toContain(`${audience} customers`);
    await comms.page.getByText('A supervisor other than you approves it.').waitFor();
    expect(await comms.page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await comms.page.evaluate(() => ((globalThis as any).__samePage = true));

    // a supervisor approves it from the inbox
    const sup = new Hands(await cb.open(390));
    await cb.signIn(sup, 'supervisor');
    await sup.page.goto(`${base}/console/approvals`);
    await sup.click(sup.page.getByRole('button', { name: 'Approve: Campaign “Tell the exposed customers”' }));
    await sup.page.getByText('Nothing waits for your decision.').waitFor();

    // comms sees the approval arrive by the live stream and starts it
    await comms.click(comms.page.getByRole('button', { name: 'Start sending' }).first());
    await comms.page.getByRole('progressbar', { name: 'Share of messages handled' }).waitFor();
    await comms.page.getByText('Finished', { exact: true }).waitFor({ timeout: 90_000 });
    const status = await comms.page.getByRole('status').filter({ hasText: 'messages handled' }).innerText();
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1`, [
      campaignId,
    ]);
    expect(n).toBeGreaterThan(0);
    expect(status).toContain(`${n} of ${n} messages handled (100%)`);
    // all of it happened on the page as it was opened: the progress came by server-sent events
    expect(await comms.page.evaluate(() => (globalThis as any).__samePage)).toBe(true);
    expect(
      await count(
        t.db,
        `SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND status NOT IN ('sent', 'delivered')`,
        [campaignId],
      ),
    ).toBe(0);
    await comms.page.screenshot({ path: join(OUT, 'console-campaign-done.png'), fullPage: true });

    // the supervisor downloads every message's outcome, numbers masked
    await sup.page.goto(`${base}/console/campaigns/${campaignId}`);
    const [download] = await Promise.all([
      sup.page.waitForEvent('download'),
      sup.click(sup.page.getByRole('link', { name: "Download every message's outcome (CSV)" })),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.trim().split('\n').length).toBe(n + 1);
    expect(csv).toContain('+44 7***');
    expect(csv).not.toMatch(/\+447\d{9}/);
  }, 180_000);

  it('a campaign with every optional field (an incident, both channels, urgent) is stored as chosen; approving it unwritten is refused in words', async () => {
    expect(runId).not.toBe('');
    const { tokens } = await staffTokens(t, ['comms']);
    const incidentId = await openIncident(t, tokens, 'Numbers shared with websites');
    const comms = new Hands(await cb.open(390));
    await cb.signIn(comms, 'comms');
    await comms.page.goto(`${base}/console/campaigns?new=1&run=${runId}`);
    await comms.click(comms.page.getByRole('combobox', { name: 'Incident (optional)' }));
    await comms.click(comms.page.getByRole('option', { name: 'Numbers shared with websites' }));
    // choosing the incident names the campaign and fills in its title
    expect(await comms.page.getByLabel('Campaign name (staff only)').inputValue()).toBe(
      'Notice: Numbers shared with websites',
    );
    await comms.click(comms.page.getByRole('combobox', { name: 'How to reach them' }));
    await comms.click(comms.page.getByRole('option', { name: 'Both text message and email' }));
    await comms.click(comms.page.getByLabel('Urgent: send text messages during quiet hours too'));
    // the paragraphs may stay empty in a draft (the browser's own "required" is bypassed for that)
    await comms.page.evaluate(() => {
      for (const el of (globalThis as any).document.querySelectorAll('textarea[required]'))
        el.removeAttribute('required');
    });
    await comms.click(comms.page.getByRole('button', { name: 'Create campaign' }));
    await comms.page.waitForURL(/\/console\/campaigns\/[0-9a-f-]{36}$/);
    const id = comms.page.url().split('/').pop()!;
    const [row] = await t.db.query(
      `SELECT incident_id, channel_policy, ignore_quiet_hours, audience_ref, vars->>'incidentTitle' AS title
       FROM campaigns WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({
      incident_id: incidentId,
      channel_policy: 'both',
      ignore_quiet_hours: true,
      audience_ref: runId,
      title: 'Numbers shared with websites',
    });

    const sup = new Hands(await cb.open());
    await cb.signIn(sup, 'supervisor');
    await sup.page.goto(`${base}/console/campaigns/${id}`);
    await sup.click(sup.page.getByRole('button', { name: 'Approve' }));
    const refusal = await sup.page.getByRole('alert').filter({ hasText: 'missing' }).innerText();
    // the paragraphs by their labels or Annex II's words, never `whatHappened`
    expect(refusal).not.toMatch(/\b[a-z]+[A-Z][a-zA-Z]*\b/);
    expect(
      await count(t.db, `SELECT count(*) AS n FROM campaigns WHERE id = $1 AND status = 'draft'`, [id]),
    ).toBe(1);
  }, 120_000);

  it('has no axe violations on the new screens, at 390 px and 1280 px', async () => {
    expect(campaignId).not.toBe('');
    const screens = [
      '/console/analysis',
      `/console/analysis/${runId}`,
      '/console/campaigns',
      `/console/campaigns?new=1&run=${runId}`,
      `/console/campaigns/${campaignId}`,
      '/console/incidents?new=1',
    ];
    for (const width of [390, 1280]) {
      const page = await cb.open(width, true);
      await cb.signIn(new Hands(page), 'admin');
      for (const s of screens) {
        await page.goto(`${base}${s}`);
        await page.getByRole('heading', { level: 2 }).first().waitFor();
        await page.waitForFunction(() => !(globalThis as any).document.body.innerText.includes('Loading'));
        await axe(page, `${s}@${width}`);
        expect({ s, width, overflow: await sidewaysOverflow(page) }).toEqual({ s, width, overflow: 0 });
      }
      // the closed menu leaves nothing of the navigation at the screen's left edge on a phone
      if (width === 390) {
        await page.goto(`${base}/console/`);
        await page.getByRole('heading', { level: 2 }).first().waitFor();
        expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
        await page.getByRole('button', { name: 'Menu' }).click();
        await page.getByRole('navigation', { name: 'Main' }).waitFor();
      }
    }
  }, 240_000);
});
