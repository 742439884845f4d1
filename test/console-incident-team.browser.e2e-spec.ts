import { startTestApp, TestApp } from './helpers/app';
import { axe, ConsoleBrowser, Hands } from './helpers/console-browser';

/**
 * Issue 17's chase, from the console: a supervisor opening an incident names its comms lead and a deputy (the
 * reminders go to them first); the deputy list leaves out whoever leads, and the incident records both.
 */
describe('console: a supervisor opens an incident with a comms lead and a deputy, in headless Chromium', () => {
  let t: TestApp;
  const cb = new ConsoleBrowser();

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { listen: true });
    await cb.start(t);
  }, 120_000);
  afterAll(async () => {
    await cb.stop();
    await t?.close();
  });

  it('names the lead and the deputy, who cannot be the same person', async () => {
    const sup = new Hands(await cb.open(1280, true));
    await cb.signIn(sup, 'supervisor');
    const p = sup.page;
    await sup.click(p.getByRole('link', { name: 'Incidents' }));
    await sup.click(p.getByRole('button', { name: 'Open an incident' }));
    await sup.type(p.getByLabel('Title (English)'), 'Texts delayed in Wales');
    await sup.click(p.getByRole('combobox', { name: 'Comms lead (gets the update reminders)' }));
    await sup.click(p.getByRole('option', { name: 'comms user (Comms)' }));
    await sup.click(p.getByRole('combobox', { name: 'Deputy comms lead (reminded with the lead)' }));
    // whoever leads is not offered as the deputy
    await p.getByRole('option', { name: 'supervisor user (Supervisor)' }).waitFor();
    expect(await p.getByRole('option', { name: 'comms user (Comms)' }).count()).toBe(0);
    await sup.click(p.getByRole('option', { name: 'supervisor user (Supervisor)' }));
    await axe(p, 'open-incident-with-team');
    await sup.click(p.getByRole('button', { name: 'Open incident' }));
    await p.waitForURL(/\/console\/incidents\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const id = p.url().split('/').pop();
    const [row] = await t.db.query(`SELECT comms_lead_id, comms_deputy_id FROM incidents WHERE id = $1`, [
      id,
    ]);
    expect(row).toEqual({ comms_lead_id: cb.ids.comms, comms_deputy_id: cb.ids.supervisor });
  }, 120_000);
});
