import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium } from 'playwright-core';
// Callbacks passed to page.evaluate run in the browser; globalThis stands for its window (no DOM lib here).
import { startTestApp, TestApp } from './helpers/app';
import { generousWaits } from './helpers/console-browser';
import { openIncidentWithUpdate } from './helpers/incidents';
import { staffTokens } from './helpers/staff';

/** The public page in a real browser (Debian's chromium, JavaScript off): timeline, promise, Welsh, screenshot. */
describe('status page in headless Chromium', () => {
  let t: TestApp;
  let browser: BrowserContext;
  let base: string;
  let profile: string;
  const out = join(__dirname, '..', 'test-output');

  beforeAll(async () => {
    t = await startTestApp();
    const { tokens } = await staffTokens(t);
    await openIncidentWithUpdate(t, tokens, {}, { template: 'investigating' });
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'candor-chromium-'));
    // A fresh profile directory per run; JavaScript off, as for a reader who has it disabled.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      javaScriptEnabled: false,
      viewport: { width: 375, height: 740 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    generousWaits(browser);
  }, 120_000); // an app and a browser booting on a busy machine
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  it('shows the timeline and the next-update promise without JavaScript, switches to Welsh, and fits a phone', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/status`);
    expect(await page.locator('h1').innerText()).toBe('Candor Mobile service status');
    expect(await page.locator('ol.timeline li').count()).toBe(1);
    expect(await page.locator('ol.timeline li .body').innerText()).toContain(
      'We are investigating a problem',
    );
    const promise = page.locator('p.next time');
    expect(await page.locator('p.next strong').innerText()).toBe('Next update by');
    expect(new Date((await promise.getAttribute('datetime'))!).getTime()).toBeGreaterThan(Date.now());
    // nothing wider than the phone's screen
    expect(
      await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(375);
    // the first Tab reaches the skip link
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('href'))).toBe(
      '#main',
    );

    await page.getByRole('link', { name: 'Darllenwch y dudalen hon yn Gymraeg' }).click();
    await page.waitForURL(/lang=cy/);
    expect(await page.locator('html').getAttribute('lang')).toBe('cy');
    expect(await page.locator('p.next strong').innerText()).toBe('Y diweddariad nesaf erbyn');
    expect(await page.locator('ol.timeline li .body').innerText()).toContain('Rydym yn ymchwilio i broblem');
    expect(
      await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(375);
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'status-page-cy.png'), fullPage: true });
    await page.close();
  }, 150_000);

  it('parses the Atom feed as XML', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/status`);
    const xml = await (await page.request.get(`${base}/status/feed.atom`)).text();
    const result = await page.evaluate((xml) => {
      const doc = new (globalThis as any).DOMParser().parseFromString(xml, 'application/xml');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        entries: doc.getElementsByTagName('entry').length,
      };
    }, xml);
    expect(result).toEqual({ error: null, entries: 1 });
    await page.close();
  }, 150_000);
});
