import { SubscribersService } from '../src/subscribers/subscribers.service';
import { UsersService } from '../src/identity/users.service';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { startTestApp, TestApp } from './helpers/app';
import { axe, ConsoleBrowser, Hands } from './helpers/console-browser';
import { count } from './helpers/staff';

/**
 * Issue 15: every console form submitted as the person would, optional fields filled in, and the result
 * checked in the database; a refusal reads in the form's words (never `note`, `userId` or a DTO message).
 */
describe('console forms send what the API takes, in headless Chromium', () => {
  let t: TestApp;
  let base: string;
  const cb = new ConsoleBrowser();
  let subscriberId = '';

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { listen: true });
    base = t.env.PUBLIC_BASE_URL;
    await cb.start(t);
    subscriberId = (
      await t.get<SubscribersService>(SubscribersService).upsert({
        accountId: 'ACC-515151',
        msisdn: '07911 123458',
        firstName: 'Sam',
      })
    ).id;
  });
  afterAll(async () => {
    await cb.stop();
    await t?.close();
  });

  const alert = (h: Hands) => h.page.getByRole('alert').first();

  it('a goodwill credit keeps its reason; too short a reason is refused in the form’s words, then a supervisor reverses it', async () => {
    const h = new Hands(await cb.open(390));
    await cb.signIn(h, 'support');
    await h.page.goto(`${base}/console/customers/${subscriberId}`);
    await h.type(h.page.getByLabel('Amount in pounds (£)'), '2.50');
    await h.type(h.page.getByLabel('Reason', { exact: false }), 'ok');
    await h.click(h.page.getByRole('button', { name: 'Issue credit' }));
    await alert(h).getByText('Please check: Reason needs at least 3 characters').waitFor();
    expect(await alert(h).innerText()).not.toMatch(/note|property/);
    expect(await count(t.db, 'SELECT count(*) AS n FROM credits')).toBe(0);

    // corrected and sent again (same idempotency key, a different body: still accepted, once)
    await h.type(h.page.getByLabel('Reason', { exact: false }), 'Sorry for the outage');
    await h.click(h.page.getByRole('button', { name: 'Issue credit' }));
    await h.page.getByText('Credit of £2.50 issued.').waitFor();
    const [credit] = await t.db.query(
      'SELECT id, amount_pence, note, reason_code FROM credits WHERE subscriber_id = $1',
      [subscriberId],
    );
    expect(credit).toMatchObject({
      amount_pence: 250,
      note: 'Sorry for the outage',
      reason_code: 'goodwill',
    });

    const sup = new Hands(await cb.open());
    await cb.signIn(sup, 'supervisor');
    await sup.page.goto(`${base}/console/customers/${subscriberId}`);
    await sup.type(sup.page.getByLabel('Reason to reverse'), 'no');
    await sup.click(sup.page.getByRole('button', { name: 'Reverse' }));
    await alert(sup).getByText('Please check: Reason to reverse needs at least 3 characters').waitFor();
    await sup.type(sup.page.getByLabel('Reason to reverse'), 'Issued to the wrong account');
    await sup.click(sup.page.getByRole('button', { name: 'Reverse' }));
    await sup.page.getByRole('cell', { name: 'Reversed' }).waitFor();
    const [after] = await t.db.query('SELECT reversed_at FROM credits WHERE id = $1', [credit.id]);
    expect(after.reversed_at).not.toBeNull();
  }, 120_000);

  it('an admin adds a user with a mobile, and refuses a wrong mobile in words', async () => {
    const h = new Hands(await cb.open());
    await cb.signIn(h, 'admin');
    await h.click(h.page.getByRole('link', { name: 'Admin' }));
    const form = h.page.getByRole('form', { name: 'Add a user' });
    await h.type(form.getByLabel('Email'), 'casey@candor.test');
    await h.type(form.getByLabel('Name'), 'Casey Support');
    await h.click(form.getByRole('combobox', { name: 'Role' }));
    await h.click(h.page.getByRole('option', { name: 'Support agent' }));
    await h.type(form.getByLabel('Mobile (for reminders)'), '12345678');
    await h.type(form.getByLabel('First password (12+ characters)'), 'plum-orbit-canal-47');
    await h.click(form.getByRole('button', { name: 'Add' }));
    await form
      .getByRole('alert')
      .getByText(/^Please check: Mobile must be a mobile number/)
      .waitFor();
    expect(await count(t.db, `SELECT count(*) AS n FROM staff_users WHERE email = 'casey@candor.test'`)).toBe(
      0,
    );

    await h.type(form.getByLabel('Mobile (for reminders)'), '07911 123459');
    await h.click(form.getByRole('button', { name: 'Add' }));
    await h.page.getByText('casey@candor.test').waitFor();
    const [u] = await t.db.query(`SELECT role, phone FROM staff_users WHERE email = 'casey@candor.test'`);
    expect(u).toEqual({ role: 'support', phone: '+447911123459' });
  }, 120_000);

  it('API keys are offered only for oneself or a service account, and both are created', async () => {
    const users = t.get<UsersService>(UsersService);
    const robot = await users.create(
      {
        email: 'export-bot@candor.test',
        displayName: 'Nightly export',
        role: 'support',
        serviceAccount: true,
      },
      SYSTEM_ACTOR,
    );
    const h = new Hands(await cb.open());
    await cb.signIn(h, 'admin');
    await h.page.goto(`${base}/console/admin`);
    await h.click(h.page.getByRole('tab', { name: 'API keys' }));
    await h.click(h.page.getByRole('combobox', { name: 'For' }));
    const options = await h.page.getByRole('option').allInnerTexts();
    // people other than oneself are refused by the API, so they are not offered
    expect(options).toEqual(['Myself', 'Nightly export (service account)']);
    await h.click(h.page.getByRole('option', { name: 'Nightly export (service account)' }));
    await h.type(h.page.getByRole('textbox', { name: 'Name' }), 'export job');
    await h.click(h.page.getByRole('button', { name: 'Create key' }));
    await h.page.getByText('Copy this key now').waitFor();
    await h.page.getByText(/^export job — created/).waitFor();

    await h.click(h.page.getByRole('combobox', { name: 'For' }));
    await h.click(h.page.getByRole('option', { name: 'Myself' }));
    await h.type(h.page.getByRole('textbox', { name: 'Name' }), 'my script');
    await h.click(h.page.getByRole('button', { name: 'Create key' }));
    await h.page.getByText(/^my script — created/).waitFor();
    const keys = await t.db.query(
      `SELECT name, user_id FROM staff_tokens WHERE kind = 'api_key' ORDER BY created_at, name`,
    );
    expect(keys).toEqual([
      { name: 'export job', user_id: robot.id },
      { name: 'my script', user_id: cb.ids.admin },
    ]);
  }, 120_000);

  it('an admin makes a service account in the console, then a key for it; the audit log names the admin', async () => {
    const page = await cb.open(1280, true);
    const h = new Hands(page);
    await cb.signIn(h, 'admin');
    await page.goto(`${base}/console/admin`);
    const form = page.getByRole('form', { name: 'Add a user' });
    await h.type(form.getByLabel('Email'), 'deploy-bot@candor.test');
    await h.type(form.getByLabel('Name'), 'Deploy pipeline');
    await h.click(form.getByRole('combobox', { name: 'Role' }));
    // roles read as words; the value sent stays the role
    expect(await page.getByRole('option').allInnerTexts()).toEqual([
      'Comms',
      'Support agent',
      'Supervisor',
      'Admin',
    ]);
    await h.click(page.getByRole('option', { name: 'Comms' }));
    await h.click(form.getByLabel('Service account (for automation; cannot sign in or approve)'));
    // a service account has no password: the field goes (the API refuses one)
    await form.getByLabel('First password (12+ characters)').waitFor({ state: 'detached' });
    await axe(page, 'admin users, new service account');
    await h.click(form.getByRole('button', { name: 'Add' }));
    const row = page.getByRole('row').filter({ hasText: 'deploy-bot@candor.test' });
    await row.getByText('Service account').waitFor();
    expect(await row.getByRole('combobox', { name: 'Role of Deploy pipeline' }).inputValue()).toBe('Comms');
    const [bot] = await t.db.query(
      `SELECT id, role, service_account, password_hash FROM staff_users WHERE email = 'deploy-bot@candor.test'`,
    );
    expect(bot).toMatchObject({ role: 'comms', service_account: true, password_hash: null });
    await axe(page, 'admin users with a service account');

    // the same email again is refused in words, and nothing is added
    await h.type(form.getByLabel('Email'), 'deploy-bot@candor.test');
    await h.type(form.getByLabel('Name'), 'Deploy pipeline 2');
    await h.click(form.getByLabel('Service account (for automation; cannot sign in or approve)'));
    await h.click(form.getByRole('button', { name: 'Add' }));
    await form
      .getByRole('alert')
      .getByText(/already exists/)
      .waitFor();
    expect(
      await count(t.db, `SELECT count(*) AS n FROM staff_users WHERE email = 'deploy-bot@candor.test'`),
    ).toBe(1);

    await h.click(page.getByRole('tab', { name: 'API keys' }));
    await h.click(page.getByRole('combobox', { name: 'For' }));
    await h.click(page.getByRole('option', { name: 'Deploy pipeline (service account)' }));
    await h.type(page.getByRole('textbox', { name: 'Name' }), 'deploys');
    await h.click(page.getByRole('button', { name: 'Create key' }));
    await page.getByText('Copy this key now').waitFor();
    const keys = await t.db.query(
      `SELECT user_id FROM staff_tokens WHERE kind = 'api_key' AND name = 'deploys'`,
    );
    expect(keys).toEqual([{ user_id: bot.id }]);
    await axe(page, 'admin api keys');

    await h.click(page.getByRole('tab', { name: 'Audit log' }));
    await h.type(page.getByLabel('Action (user.* for a prefix)'), 'user.create');
    await h.click(page.getByRole('button', { name: 'Filter' }));
    // the admin's row names them; the helper's users were made by the system
    await page.getByRole('cell', { name: 'admin user (Admin)', exact: true }).first().waitFor();
    await page.getByRole('cell', { name: 'System', exact: true }).first().waitFor();
    expect(await page.getByRole('cell', { name: 'staff', exact: true }).count()).toBe(0);
    await axe(page, 'admin audit log');
  }, 120_000);
});
