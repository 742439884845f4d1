import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { TestApp } from './app';
import { PASSWORD, staffTokens } from './staff';

// Callbacks passed to page.evaluate run in the browser; globalThis stands for its window (no DOM lib here).
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const OUT = join(__dirname, '..', '..', 'test-output');

/**
 * How long a browser step waits for the app to answer or render (issue 13): generous, because on a loaded
 * 2-core machine Chromium, Nest, PostgreSQL and the workers share the cores and a first console load has taken
 * over 10 s. A timeout names the locator it waited for (Playwright's message); an absence is asserted with
 * `count()` / `isVisible()`, which never wait, so these do not slow a passing run.
 */
export const APP_WAIT_MS = 45_000;
/** A page load (the console's bundle and its first API calls). */
export const LOAD_WAIT_MS = 60_000;

/** Gives a browser context the generous waits above. */
export function generousWaits(ctx: BrowserContext): void {
  ctx.setDefaultTimeout(APP_WAIT_MS);
  ctx.setDefaultNavigationTimeout(LOAD_WAIT_MS);
}

/** What a person does with mouse and keyboard, counted: the journey's cost in the README. */
export class Hands {
  clicks = 0;
  keys = 0;
  constructor(readonly page: Page) {}
  async click(l: Locator) {
    this.clicks++;
    await l.click();
  }
  async type(l: Locator, text: string) {
    this.clicks++; // focus the field
    this.keys += text.length;
    await l.fill(text);
  }
  async press(key: string) {
    this.keys++;
    await this.page.keyboard.press(key);
  }
}

/** The UK wall-clock value a datetime-local field takes for an instant. */
export function ukLocal(d: Date): string {
  const f = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${f.year}-${f.month}-${f.day}T${f.hour}:${f.minute}`;
}

/** Headless Chromium (Debian's) against a listening test app, with one staff user per role. */
export class ConsoleBrowser {
  browser!: Browser;
  base!: string;
  emails!: Record<string, string>;
  ids!: Record<string, string>;
  private readonly contexts: BrowserContext[] = [];

  async start(t: TestApp): Promise<void> {
    this.base = t.env.PUBLIC_BASE_URL;
    const { ids } = await staffTokens(t);
    this.ids = ids;
    const rows: Array<{ id: string; email: string }> = await t.db.query('SELECT id, email FROM staff_users');
    this.emails = Object.fromEntries(
      Object.entries(ids).map(([r, id]) => [r, rows.find((x) => x.id === id)!.email]),
    );
    mkdirSync(OUT, { recursive: true });
    this.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
  }

  async stop(): Promise<void> {
    for (const c of this.contexts) await c.close().catch(() => undefined);
    await this.browser?.close();
  }

  /**
   * A fresh browser (own cookies) at a width. The journeys run under the console's own CSP (script-src
   * 'self'); only the axe check bypasses it, since axe is injected as an inline script.
   */
  async open(width = 1280, forAxe = false): Promise<Page> {
    const ctx = await this.browser.newContext({
      viewport: { width, height: 900 },
      locale: 'en-GB',
      bypassCSP: forAxe,
      acceptDownloads: true,
    });
    this.contexts.push(ctx);
    generousWaits(ctx);
    return ctx.newPage();
  }

  async signIn(h: Hands, role: string): Promise<void> {
    await h.page.goto(`${this.base}/console/login`);
    await h.type(h.page.getByLabel('Email'), this.emails[role]);
    await h.type(h.page.getByLabel(/^Password/), PASSWORD);
    await h.press('Enter');
    // the shell has loaded (on a phone the navigation stays hidden behind the menu button)
    await h.page.getByRole('button', { name: 'Sign out', exact: true }).waitFor({ timeout: LOAD_WAIT_MS });
  }
}

/** axe-core's violations on the page as it is: none expected. */
export async function axe(page: Page, screen: string): Promise<void> {
  await page.addScriptTag({ content: AXE });
  const result: any = await page.evaluate(() => (globalThis as any).axe.run({ resultTypes: ['violations'] }));
  const violations = result.violations.map((v: any) => ({
    screen,
    id: v.id,
    nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3),
  }));
  expect(violations).toEqual([]);
}

/** How far the page scrolls sideways (0: nothing wider than the screen). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const d = (globalThis as any).document.documentElement;
    return d.scrollWidth - d.clientWidth;
  });
}
