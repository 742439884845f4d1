import { Locator, Page } from 'playwright-core';
import { totpCode } from '../src/identity/credentials';
import { Clock } from '../src/platform/clock/clock';
import { startTestApp, TestApp } from './helpers/app';
import { ConsoleBrowser, LOAD_WAIT_MS } from './helpers/console-browser';
import { PASSWORD } from './helpers/staff';

/** Keyboard only: Tab to a control, type, press keys; never a mouse click. Counts the keys pressed. */
class Keys {
  keys = 0;
  constructor(readonly page: Page) {}

  /** Presses Tab until `target` has the focus (the way a keyboard user reaches it). */
  async tabTo(target: Locator, what: string, max = 120) {
    await target.waitFor();
    for (let i = 0; i < max; i++) {
      if (await target.evaluate((el) => el === (globalThis as any).document.activeElement)) return;
      await this.press('Tab');
    }
    throw new Error(`${what}: not reached with ${max} presses of Tab`);
  }

  async press(key: string) {
    this.keys++;
    await this.page.keyboard.press(key);
  }

  async type(text: string) {
    this.keys += text.length;
    await this.page.keyboard.type(text);
  }
}

/**
 * Issue 15's first journey with the keyboard alone (comms opens an incident, drafts from a template, submits;
 * a supervisor signs in with an authenticator code and approves from the inbox; comms publishes), in headless
 * Chromium. Supervisors need the code here (STAFF_TOTP_REQUIRED, as in production).
 */
describe('console with the keyboard alone, in headless Chromium', () => {
  let t: TestApp;
  let base: string;
  let secret = '';
  const cb = new ConsoleBrowser();

  beforeAll(async () => {
    t = await startTestApp({ STAFF_TOTP_REQUIRED: 'true' }, undefined, { listen: true });
    base = t.env.PUBLIC_BASE_URL;
    await cb.start(t);
    // the supervisor sets up an authenticator (as the console's first sign-in would ask them to)
    const login = await t
      .http()
      .post('/auth/login')
      .send({ email: cb.emails.supervisor, password: PASSWORD })
      .expect(200);
    const token = login.body.token as string;
    secret = (await t.http().post('/auth/totp/setup').auth(token, { type: 'bearer' }).expect(201)).body
      .secret;
    await t
      .http()
      .post('/auth/totp/confirm')
      .auth(token, { type: 'bearer' })
      .send({ code: totpCode(secret, t.get<Clock>(Clock).now()) })
      .expect(200);
  }, 120_000); // an app and a browser booting on a busy machine
  afterAll(async () => {
    t.get<Clock>(Clock).reset();
    await cb.stop();
    await t?.close();
  });

  async function signIn(k: Keys, role: string) {
    await k.page.goto(`${base}/console/login`);
    await k.tabTo(k.page.getByLabel('Email'), 'the email field');
    await k.type(cb.emails[role]);
    await k.press('Tab');
    await k.type(PASSWORD);
    await k.press('Enter');
  }

  it('signs a supervisor in with the authenticator code field, in words when the code is wrong', async () => {
    const k = new Keys(await cb.open(390));
    await signIn(k, 'supervisor');
    const code = k.page.getByLabel('Code from your authenticator app');
    await k.tabTo(code, 'the code field');
    await k.type('000000');
    await k.press('Enter');
    const alert = k.page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).not.toMatch(/totp_invalid|401|Unauthorized/);
    await k.tabTo(code, 'the code field');
    await k.press('Control+A');
    // the next 30-second step: the step used to set the authenticator up cannot be replayed
    const clock = t.get<Clock>(Clock);
    clock.travelTo(new Date(clock.now().getTime() + 30_000));
    await k.type(totpCode(secret, clock.now()));
    await k.press('Enter');
    await k.page.getByRole('button', { name: 'Sign out', exact: true }).waitFor({ timeout: LOAD_WAIT_MS });
  }, 150_000); // longer than the waits inside, so a slow step fails naming what it waited for

  it('opens an incident, drafts from a template, has it approved and publishes it, with no mouse', async () => {
    const comms = new Keys(await cb.open());
    await signIn(comms, 'comms');
    const p = comms.page;
    await p.getByRole('button', { name: 'Sign out', exact: true }).waitFor({ timeout: LOAD_WAIT_MS });
    await comms.tabTo(p.getByRole('link', { name: 'Incidents' }), 'Incidents in the navigation');
    await comms.press('Enter');
    await comms.tabTo(p.getByRole('button', { name: 'Open an incident' }), 'Open an incident');
    await comms.press('Enter');
    await comms.tabTo(p.getByLabel('Title (English)'), 'the title');
    await comms.type('Texts delayed for some customers');
    await comms.tabTo(p.getByLabel('Affected services (English, comma-separated)'), 'the services');
    await comms.type('text messages');
    await comms.press('Enter'); // submits the form
    await comms.tabTo(p.getByRole('button', { name: 'Draft an update' }), 'Draft an update');
    await comms.press('Enter');
    await comms.tabTo(p.getByRole('combobox', { name: 'Start from a template' }), 'the template list');
    await comms.press('ArrowDown'); // opens the list
    for (let i = 0; i < 10; i++) {
      const selected = p.locator('[data-combobox-selected]');
      if ((await selected.count()) && (await selected.innerText()) === 'Investigating') break;
      await comms.press('ArrowDown');
    }
    await comms.press('Enter');
    expect(await p.getByRole('textbox', { name: 'English', exact: true }).inputValue()).toContain(
      'text messages',
    );
    await comms.tabTo(p.getByRole('button', { name: 'Submit for approval' }), 'Submit for approval');
    await comms.press('Enter');
    await p.getByText('Waiting for someone else to approve.').waitFor();

    const sup = new Keys(await cb.open());
    await signIn(sup, 'supervisor');
    await sup.tabTo(sup.page.getByLabel('Code from your authenticator app'), 'the code field');
    const clock = t.get<Clock>(Clock);
    clock.travelTo(new Date(clock.now().getTime() + 30_000)); // a step not used before
    await sup.type(totpCode(secret, clock.now()));
    await sup.press('Enter');
    await sup.tabTo(sup.page.getByRole('link', { name: /^Approvals/ }), 'Approvals in the navigation');
    await sup.press('Enter');
    await sup.tabTo(sup.page.getByRole('button', { name: /^Approve: Update to/ }), 'the approve button');
    await sup.press('Enter');
    await sup.page.getByText('Nothing waits for your decision.').waitFor();

    // the approval reaches comms by the live stream; publishing is a Tab and an Enter away
    await comms.tabTo(p.getByRole('button', { name: 'Publish now' }), 'Publish now');
    await comms.press('Enter');
    await p.getByText('Published', { exact: true }).waitFor();
    const status = await (await cb.open(390)).goto(`${base}/status`);
    expect(await status!.text()).toContain('Texts delayed for some customers');
    process.stderr.write(
      `keyboard-only journey: ${JSON.stringify({ comms: comms.keys, supervisor: sup.keys })}\n`,
    );
  }, 150_000);
});
