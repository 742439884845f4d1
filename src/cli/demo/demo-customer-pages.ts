import { Logger, INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UsersService } from '../../identity/users.service';
import { NumberChangeService } from '../../number-change/number-change.service';
import { AppConfig } from '../../platform/config';
import { mask } from '../../platform/privacy';
import { TwilioSandbox } from '../../sandbox/twilio-sandbox';
import { PageClient } from '../page-client';
import { waitFor } from './demo-staff';
import { DemoRepository } from './demo.repository';

const log = new Logger('Demo');

/**
 * Customers who do each journey through the pages only, as a phone's browser would (cookies, forms, HTML):
 * one signs in with the texted code, sees the exposure with its websites, claims the offer (a second click
 * adds nothing) and changes number through the wizard; someone else reports a change with "Not you?"; a
 * message's verify link opens as a page.
 */
export async function demoCustomerPages(app: INestApplication, summary: Record<string, any>) {
  const config = app.get(AppConfig);
  const reads = new DemoRepository(app.get(DataSource));
  const sms = app.get(TwilioSandbox, { strict: false }) as TwilioSandbox | null;
  const runId: string | undefined = summary.analysis?.runId;
  if (!sms || !runId) return { skipped: 'needs the Twilio sandbox and an analysis run' };
  const base = config.http.publicBaseUrl;
  const people = await reads.untouchedMatched(runId, 2);
  if (people.length < 2)
    return { skipped: 'no sample customers left (the demo already ran on this database)' };
  const [customer, victim] = people;
  const signIn = async (msisdn: string) => {
    const page = new PageClient(base);
    const seen = sms.messages.filter((m) => m.to === msisdn).length;
    const form = await page.get('/account/sign-in');
    const step2 = await page.post('/account/sign-in', { msisdn: '0' + msisdn.slice(3) }, form.html);
    const challengeId = /name="challengeId" value="([^"]+)"/.exec(step2.html)?.[1] ?? '';
    await sms.messages.waitFor((all) => all.filter((m) => m.to === msisdn).length > seen, 10_000);
    const code = /\b(\d{6})\b/.exec(sms.messages.filter((m) => m.to === msisdn).pop()!.body)![1];
    const done = await page.post('/account/sign-in/code', { challengeId, code }, step2.html);
    return { page, signedIn: done.status === 303 && done.location === '/account' };
  };
  const { page, signedIn } = await signIn(customer.msisdn);
  const account = await page.get('/account');
  const websites = (/<ul class="sites">([\s\S]*?)<\/ul>/.exec(account.html)?.[1].match(/<li>/g) ?? []).length;
  // claim the offer with its button, then the same button again
  const offersPage = await page.get('/account/offers');
  const action = /action="(\/account\/offers\/[^"]+\/claim)"/.exec(offersPage.html)?.[1];
  const claim = action ? await page.post(action, {}, offersPage.html) : null;
  const again = action ? await page.post(action, {}, offersPage.html) : null;
  // change number through the wizard; an agent approves and plans it; the provisioning sandbox switches it
  let wizard = await page.get('/account/number-change');
  wizard = await page.post('/account/number-change', { reason: 'exposed' }, wizard.html);
  const id = /action="\/account\/number-change\/([0-9a-f-]{36})\/offers"/.exec(wizard.html)?.[1];
  let state: string | null = null;
  if (id) {
    wizard = await page.post(`/account/number-change/${id}/offers`, {}, wizard.html);
    const msisdn = /name="msisdn" value="([^"]+)"/.exec(wizard.html)?.[1] ?? '';
    await page.post(`/account/number-change/${id}/choose`, { msisdn }, wizard.html);
    const admin = await app.get(UsersService).findByEmail('admin@candor.test');
    if (!admin) throw new Error('demo: no admin@candor.test user');
    const agent = { type: 'staff' as const, id: admin.id, role: admin.role };
    const requests = app.get(NumberChangeService);
    await requests.approve(id, agent);
    await requests.schedule(id, undefined, agent);
    state =
      (await waitFor(async () => ((await requests.get(id)).state === 'completed' ? 'completed' : null))) ??
      (await requests.get(id)).state;
  }
  const finalPage = await page.get('/account/number-change');
  // "Not you?": a change the victim did not ask for (someone signed in with their phone), reported by reference
  const thief = await signIn(victim.msisdn);
  const start = await thief.page.get('/account/number-change');
  await thief.page.post('/account/number-change', { reason: 'other' }, start.html);
  const text = await sms.messages
    .waitFor((all) => all.some((m) => m.to === victim.msisdn && m.body.includes('/not-me')), 10_000)
    .then((all) => all.filter((m) => m.to === victim.msisdn && m.body.includes('/not-me')).pop()!.body)
    .catch(() => '');
  const ref = /(?:Ref|Cyf) (\S+)$/.exec(text)?.[1] ?? '';
  const reporter = new PageClient(base);
  const notMeForm = await reporter.get('/not-me');
  const report = await reporter.post('/not-me', { reference: ref }, notMeForm.html);
  const [held] = await app.get(NumberChangeService).listForSubscriber(victim.id);
  // the verify link of the customer's claim confirmation, opened as a browser would
  const verifyLink = /(\/verify\/[0-9A-Z]+-[0-9A-Z]+)/.exec(
    sms.messages.filter((m) => m.to === customer.msisdn && /verify\//.test(m.body)).pop()?.body ?? '',
  )?.[1];
  const verify = verifyLink ? await new PageClient(base).get(verifyLink) : null;
  const result = {
    customer: mask(customer.msisdn),
    signedInWithTextedCode: signedIn,
    exposureShown: account.html.includes('was affected'),
    websitesListed: websites,
    offerClaimed: claim?.status === 201,
    secondClickAlreadyClaimed: again?.status === 409 && again.html.includes('already claimed'),
    numberChange: state,
    numberChangePageSaysDone: finalPage.html.includes('your number has changed'),
    notMe: { reporter: 'anonymous', reportPage: report.status, requestHeld: !!held?.heldForSupervisor },
    verifyLinkPage: verify
      ? { status: verify.status, html: verify.html.startsWith('<!doctype html>') }
      : null,
  };
  log.log(`customer pages: ${JSON.stringify(result)}`);
  return result;
}
