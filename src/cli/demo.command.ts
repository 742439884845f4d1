import { Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { AnalysisService } from '../analysis/analysis.service';
import { Actor, SYSTEM_ACTOR } from '../platform/http/actor';
import { createApp } from '../bootstrap';
import { LedgerService } from '../compensation/ledger.service';
import { OffersService } from '../compensation/offers.service';
import { StaffUser } from '../identity/staff-user.entity';
import { UsersService } from '../identity/users.service';
import { NumberChangeService } from '../number-change/number-change.service';
import { NumberPoolService } from '../number-change/number-pool.service';
import { AppConfig } from '../platform/config';
import { projectRoot } from '../platform/paths';
import { mask } from '../platform/privacy';
import { ProvisioningSandbox } from '../sandbox/provisioning-sandbox';
import { SubscribersService } from '../subscribers/subscribers.service';
import { SubscribersImportService } from '../subscribers/subscribers-import.service';
import { INestApplication } from '@nestjs/common';
import { CampaignsService } from '../notifications/campaigns.service';
import { referenceCode } from '../notifications/reference-code';
import { SmtpSink } from '../sandbox/smtp-sink';
import { TwilioSandbox } from '../sandbox/twilio-sandbox';
import { IncidentUpdatesService } from '../incidents/incident-updates.service';
import { IncidentsService } from '../incidents/incidents.service';
import { PageClient } from './page-client';

interface DemoOptions {
  once?: boolean;
  json?: boolean;
  port?: string;
}

/**
 * The README's main command: migrates, creates a demo admin and runs the whole story on sample data
 * through the local sinks, then keeps serving (or, with --once, exits and prints a JSON summary).
 */
/** The demo's breach notice as comms would write it, in English and Welsh (every Annex II item). */
const DEMO_NOTICE = {
  en: {
    incidentTitle: 'Your mobile number was shared with websites',
    whatHappened:
      'A fault in our mobile web gateway added your mobile number to the requests your phone sent to the websites you visited, so those websites could see it.',
    whenItHappened:
      'It started on 17 November 2025 and stopped when we fixed the gateway on 24 November 2025.',
    dataConcerned:
      'Your mobile number only. Not your name, address, messages, calls, passwords or payment details.',
    likelyConsequences:
      'The websites you visited, and companies they share data with, could link your visits to your number. You may get unwanted calls or texts.',
    otherCircumstances: 'We have found no sign that anyone has misused the numbers.',
    measuresTaken:
      'We fixed the gateway, asked the websites concerned to delete the numbers, and told the Information Commissioner’s Office.',
    measuresRecommended:
      'Be wary of unexpected calls or texts, especially ones that mention this incident. We will never ask for your password, PIN or payment details.',
    contactDetails: 'Questions? Call us free, 8am to 8pm, on',
  },
  cy: {
    incidentTitle: 'Cafodd eich rhif ffôn symudol ei rannu â gwefannau',
    whatHappened:
      'Roedd nam yn ein porth gwe symudol wedi ychwanegu eich rhif ffôn symudol at y ceisiadau a anfonodd eich ffôn i’r gwefannau y gwnaethoch ymweld â nhw, felly gallai’r gwefannau hynny ei weld.',
    whenItHappened:
      'Dechreuodd ar 17 Tachwedd 2025 a daeth i ben pan wnaethom drwsio’r porth ar 24 Tachwedd 2025.',
    dataConcerned:
      'Eich rhif ffôn symudol yn unig. Nid eich enw, eich cyfeiriad, eich negeseuon, eich galwadau, eich cyfrineiriau na’ch manylion talu.',
    likelyConsequences:
      'Gallai’r gwefannau y gwnaethoch ymweld â nhw, a chwmnïau y maent yn rhannu data â nhw, gysylltu eich ymweliadau â’ch rhif. Efallai y cewch alwadau neu negeseuon diangen.',
    otherCircumstances: 'Nid ydym wedi dod o hyd i unrhyw arwydd bod unrhyw un wedi camddefnyddio’r rhifau.',
    measuresTaken:
      'Rydym wedi trwsio’r porth, wedi gofyn i’r gwefannau dan sylw ddileu’r rhifau, ac wedi dweud wrth Swyddfa’r Comisiynydd Gwybodaeth.',
    measuresRecommended:
      'Byddwch yn wyliadwrus o alwadau neu negeseuon annisgwyl, yn enwedig rhai sy’n sôn am y digwyddiad hwn. Ni fyddwn byth yn gofyn am eich cyfrinair, PIN na manylion talu.',
    contactDetails: 'Cwestiynau? Ffoniwch ni am ddim, 8am tan 8pm, ar',
  },
};

@Command({ name: 'demo', description: 'Run the end-to-end demo on sample data' })
export class DemoCommand extends CommandRunner {
  private readonly log = new Logger('Demo');

  async run(_: string[], o: DemoOptions): Promise<void> {
    const overrides: Record<string, string> = { LOG_TARGET: 'stderr' };
    if (o.port) Object.assign(overrides, { PORT: o.port, PUBLIC_BASE_URL: `http://localhost:${o.port}` });
    if (o.once) overrides.LOG_LEVEL = 'warn';
    const started = Date.now();
    const app = await createApp({ overrides });
    const config = app.get(AppConfig);
    const summary: Record<string, unknown> = {};
    try {
      summary.admin = await this.ensureAdmin(app.get(DataSource), app.get(UsersService));
      summary.console = await this.consoleUsers(app, config, summary.admin as { password?: string });
      summary.analysis = await this.demoAnalysis(app.get(SubscribersImportService), app.get(AnalysisService));
      summary.incident = await this.demoIncident(app, config, summary.analysis as Record<string, any>);
      summary.notifications = await this.demoNotifications(app, summary);
      summary.compensation = await this.demoCompensation(app, summary);
      summary.numberChange = await this.demoNumberChange(app);
      summary.customerPages = await this.demoCustomerPages(app, summary);
      summary.baseUrl = config.http.publicBaseUrl;
      summary.port = config.http.port;
      summary.durationMs = Date.now() - started;
    } catch (e) {
      await app.close();
      throw e;
    }
    if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
    else {
      process.stderr.write(
        `\nCandor demo is running on ${config.http.publicBaseUrl}\n` +
          `  API docs:     ${config.http.publicBaseUrl}/docs\n` +
          `  Demo admin:   ${(summary.admin as any).email} / ${(summary.admin as any).password ?? '(existing user, password unchanged)'}\n` +
          `  Staff console: ${(summary.console as any).url} — one demo user per role:\n` +
          (summary.console as any).users
            .map(
              (u: any) =>
                `    ${u.role.padEnd(10)} ${u.email} / ${u.password ?? '(existing user, password unchanged)'}\n`,
            )
            .join('') +
          `  Status page:  ${config.http.publicBaseUrl}/status (incident: ${(summary.incident as any).statusPageUrl})\n` +
          `  Am I affected? ${config.http.publicBaseUrl}/affected (the code goes to the Twilio sandbox: GET /sandbox/sms as admin)\n` +
          `  Check a message: ${(summary.notifications as any).verifyExample ?? `${config.http.publicBaseUrl}/verify`}\n` +
          `Press Ctrl+C to stop.\n`,
      );
    }
    if (o.once) {
      await app.close();
      return;
    }
    await new Promise<void>((resolve) => app.getHttpServer().on('close', resolve));
  }

  /**
   * Tells the affected subscribers (the analysis run's matches when the demo has one, else everyone imported)
   * by SMS and email through the local sinks: a comms user drafts, a supervisor approves, it runs to the end.
   * It is marked urgent (SMS during quiet hours), as a breach notice in its first hour would be.
   */
  private async demoNotifications(app: INestApplication, summary: Record<string, any>) {
    const db = app.get(DataSource);
    const campaigns = app.get(CampaignsService);
    const base = app.get(AppConfig).http.publicBaseUrl;
    const comms = await this.demoStaff(app, 'comms@candor.test', 'comms');
    const supervisor = await this.demoStaff(app, 'supervisor@candor.test', 'supervisor');
    const runId: string | undefined = summary.analysis?.runId;
    const c = await campaigns.create(
      {
        name: 'Breach notice (demo)',
        kind: 'breach-notice',
        incidentId: summary.incident?.id,
        audienceType: runId ? 'analysis_run' : 'all_subscribers',
        audienceRef: runId,
        channelPolicy: 'both',
        // What comms wrote for this incident; the links and the operator's name and contact are Candor's.
        vars: DEMO_NOTICE.en,
        varsCy: DEMO_NOTICE.cy,
        ignoreQuietHours: true,
      },
      comms,
    );
    const { notice } = await campaigns.preview(c.id);
    const progress = await this.approveAndRun(app, c.id, comms, supervisor);
    const sample = await db.query(
      `SELECT id::text AS id FROM messages WHERE campaign_id = $1 AND status IN ('sent','delivered') ORDER BY id LIMIT 1`,
      [c.id],
    );
    const code = sample[0] ? referenceCode(app.get(AppConfig).privacy.pseudonymKey, sample[0].id) : null;
    this.log.log(`campaign ${c.id}: ${JSON.stringify(progress.totals)}`);
    return {
      campaignId: c.id,
      annexII: {
        complete: notice.annexII?.complete ?? false,
        items: notice.annexII?.items.length ?? 0,
        missing: notice.annexII?.missing ?? [],
      },
      welshMissing: notice.welshMissing,
      status: progress.status,
      audience: progress.build?.audience ?? 0,
      totals: progress.totals,
      sandboxSms: app.get(TwilioSandbox, { strict: false })?.messages.length ?? null,
      sandboxEmails: app.get(SmtpSink, { strict: false })?.messages.length ?? null,
      verifyExample: code ? `${base}/verify?code=${code}` : null,
    };
  }

  /** A demo staff member by email (created once), as the actor of the story's staff actions. */
  /** A second person approves, the campaign runs, and we wait (up to a minute) until it has completed. */
  private async approveAndRun(app: INestApplication, id: string, author: Actor, approver: Actor) {
    const campaigns = app.get(CampaignsService);
    await campaigns.act(id, 'approve', approver);
    await campaigns.act(id, 'start', author);
    const deadline = Date.now() + 60_000;
    let progress = await campaigns.progress(id);
    while (progress.status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      await campaigns.completeFinished(); // rather than wait for the next sweep
      progress = await campaigns.progress(id);
    }
    return progress;
  }

  private async demoStaff(app: INestApplication, email: string, role: 'comms' | 'supervisor') {
    const found = await app.get(DataSource).getRepository(StaffUser).findOne({ where: { email } });
    const u =
      found ??
      (await app
        .get(UsersService)
        .create(
          { email, displayName: `Demo ${role}`, role, password: randomBytes(12).toString('hex') },
          SYSTEM_ACTOR,
        ));
    return { type: 'staff' as const, id: u.id, role };
  }

  /**
   * One demo user per role for the staff console, with the admin's demo password when they are created
   * here (the story's comms and supervisor users are these same people).
   */
  private async consoleUsers(app: INestApplication, config: AppConfig, admin: { password?: string }) {
    const db = app.get(DataSource);
    const users = [{ email: 'admin@candor.test', role: 'admin' as const, password: admin.password }];
    for (const role of ['comms', 'supervisor', 'support'] as const) {
      const email = `${role}@candor.test`;
      const exists = await db.getRepository(StaffUser).findOne({ where: { email } });
      const password = exists ? undefined : (admin.password ?? randomBytes(9).toString('base64url'));
      if (!exists)
        await app
          .get(UsersService)
          .create({ email, displayName: `Demo ${role}`, role, password: password! }, SYSTEM_ACTOR);
      users.push({ email, role, password } as any);
    }
    return { url: `${config.http.publicBaseUrl}/console`, users };
  }

  private async ensureAdmin(db: DataSource, users: UsersService) {
    const email = 'admin@candor.test';
    if (await db.getRepository(StaffUser).findOne({ where: { email } })) return { email, created: false };
    const password = process.env.CANDOR_DEMO_PASSWORD ?? randomBytes(9).toString('base64url');
    await users.create({ email, displayName: 'Demo Admin', role: 'admin', password }, SYSTEM_ACTOR);
    this.log.log('created demo admin');
    return { email, password, created: true };
  }

  /**
   * The story's incident: opened by comms, its first update drafted from a template, approved by a
   * supervisor (a second person) and published; the status page shows it with its next-update promise.
   */
  private async demoIncident(app: INestApplication, config: AppConfig, analysis?: Record<string, any>) {
    const comms = await this.demoStaff(app, 'comms@candor.test', 'comms');
    const supervisor = await this.demoStaff(app, 'supervisor@candor.test', 'supervisor');
    const incidents = app.get(IncidentsService);
    const updates = app.get(IncidentUpdatesService);
    const incident = await incidents.create(
      {
        title: 'Mobile numbers shared with websites',
        titleCy: 'Rhifau ffôn symudol wedi’u rhannu â gwefannau',
        summary:
          'A fault in our mobile web gateway added customers’ mobile numbers to requests sent to the websites they visited.',
        summaryCy:
          'Roedd nam yn ein porth gwe symudol wedi ychwanegu rhifau ffôn symudol cwsmeriaid at geisiadau a anfonwyd i’r gwefannau yr oeddent yn ymweld â nhw.',
        advice: 'Be wary of unexpected calls and texts. We will never ask for your password or PIN.',
        adviceCy:
          'Byddwch yn wyliadwrus o alwadau a negeseuon annisgwyl. Ni fyddwn byth yn gofyn am eich cyfrinair na’ch PIN.',
        impact: 'major',
        detectedAt: new Date(Date.now() - 45 * 60_000).toISOString(),
        affectedServices: ['mobile web browsing'],
        affectedServicesCy: ['pori’r we ar ffôn symudol'],
        // A personal-data breach: the regulator's clock runs from becoming aware, and its notice needs Annex II.
        personalDataBreach: true,
        becameAwareAt: new Date(Date.now() - 40 * 60_000).toISOString(),
        ...(analysis?.firstSeen
          ? { exposureFrom: analysis.firstSeen, exposureTo: analysis.lastSeen ?? analysis.firstSeen }
          : {}),
        ...(analysis?.runId ? { analysisRunIds: [analysis.runId] } : {}),
      },
      comms,
    );
    const draft = await updates.draft(incident.id, { template: 'identified' }, comms);
    await updates.approve(incident.id, draft.id, supervisor);
    const published = await updates.publish(incident.id, draft.id, comms);
    this.log.log(`incident opened and first update published: ${incident.id}`);
    return {
      id: incident.id,
      personalDataBreach: incident.personalDataBreach,
      statusPageUrl: `${config.http.publicBaseUrl}/status/incidents/${incident.id}`,
      nextUpdateBy: published.nextUpdateBy?.toISOString() ?? null,
    };
  }

  /**
   * Making it right: a £5 credit offered to everyone the analysis matched, told to them by an offer-notice
   * campaign, and claimed by one of them replying the keyword to the text (through the signed inbound webhook).
   */
  private async demoCompensation(app: INestApplication, summary: Record<string, any>) {
    const db = app.get(DataSource);
    const offers = app.get(OffersService);
    const base = app.get(AppConfig).http.publicBaseUrl;
    const comms = await this.demoStaff(app, 'comms@candor.test', 'comms');
    const supervisor = await this.demoStaff(app, 'supervisor@candor.test', 'supervisor');
    const runId: string | undefined = summary.analysis?.runId;
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM offers`);
    const keyword = `SORRY${n + 1}`; // keywords are unique; a rerun of the demo gets the next one
    const offer = await offers.create(
      {
        name: 'Sorry for the exposure: £5 credit',
        kind: 'credit',
        value: 500,
        eligibility: runId ? 'analysis_run' : 'all',
        analysisRunId: runId,
        mode: 'claim',
        keyword,
        claimClosesAt: new Date(Date.now() + 14 * 86400_000).toISOString(),
      },
      supervisor,
    );
    const c = await app.get(CampaignsService).create(
      {
        name: 'Offer notice (demo)',
        kind: 'offer-notice',
        incidentId: summary.incident?.id,
        audienceType: runId ? 'analysis_run' : 'all_subscribers',
        audienceRef: runId,
        channelPolicy: 'sms',
        vars: {
          offerName: 'a £5 credit',
          keyword,
          apology: 'We are sorry we shared your mobile number with websites you visited.',
        },
        varsCy: {
          offerName: 'credyd o £5',
          apology:
            'Mae’n ddrwg gennym ein bod wedi rhannu eich rhif ffôn symudol â gwefannau y gwnaethoch ymweld â nhw.',
        },
        ignoreQuietHours: true,
      },
      comms,
    );
    const progress = await this.approveAndRun(app, c.id, comms, supervisor);
    // One customer replies with the keyword, as Twilio would deliver it (signed), and gets a confirmation.
    const sandbox = app.get(TwilioSandbox, { strict: false }) as TwilioSandbox | null;
    const notice = sandbox?.messages.find((m) => m.body.includes(keyword));
    let claimedBy: string | null = null;
    let confirmation = false;
    if (sandbox && notice) {
      await sandbox.inbound(`${base}/webhooks/twilio/inbound`, notice.to, keyword);
      claimedBy = mask(notice.to);
      confirmation = await sandbox.messages
        .waitFor(
          (all) => all.some((m) => m.to === notice.to && /claim is confirmed|hawliad/.test(m.body)),
          10_000,
        )
        .then(() => true)
        .catch(() => false);
    }
    const [{ claims }] = await db.query(
      `SELECT count(*)::int AS claims FROM offer_claims WHERE offer_id = $1`,
      [offer.id],
    );
    const trial = await app.get(LedgerService).trialBalance();
    this.log.log(`compensation: offer ${offer.id} (${keyword}), ${claims} claim(s)`);
    return {
      offerId: offer.id,
      keyword,
      noticeCampaignId: c.id,
      noticesSent: (progress.totals.sent ?? 0) + (progress.totals.delivered ?? 0),
      claims,
      claimedBy,
      confirmationSms: confirmation,
      ledgerBalanced: trial.totalPence === 0 && trial.unbalancedEntries === 0,
    };
  }

  /** Imports the sample subscribers and analyses the sample gateway logs (Squid, ELFF, gzipped Envoy JSON). */
  private async demoAnalysis(importer: SubscribersImportService, analyses: AnalysisService) {
    const samples = join(projectRoot(), 'samples');
    const actor = { ...SYSTEM_ACTOR, id: 'demo' };
    const subscribers = await importer.importFile(join(samples, 'subscribers.csv'), actor);
    const logs = readdirSync(join(samples, 'logs')).sort();
    const run = await analyses.analyze(
      {
        files: logs.map((f) => join(samples, 'logs', f)),
        from: new Date('2025-11-24T00:00:00Z'),
        to: new Date('2025-11-26T00:00:00Z'),
        partners: ['o2.co.uk'],
        incidentId: 'DEMO',
      },
      actor,
    );
    this.log.log(
      `analysis ${run.runId}: ${run.exposures} exposures, ${run.matchedSubscribers} subscribers matched`,
    );
    return {
      subscribersImport: {
        rows: subscribers.rows,
        imported: subscribers.imported,
        updated: subscribers.updated,
        rejected: subscribers.rejected,
      },
      runId: run.reusedRunId ?? run.runId,
      files: logs,
      linesRead: run.linesRead,
      exposures: run.exposures,
      partnerExposures: run.partnerExposures,
      distinctMsisdns: run.distinctMsisdns,
      matchedSubscribers: run.matchedSubscribers,
      unmatchedMsisdns: run.unmatchedMsisdns,
      firstSeen: run.firstSeen,
      lastSeen: run.lastSeen,
      topHosts: run.topHosts.slice(0, 3),
    };
  }

  /**
   * A sample customer asks for a new number "similar to my old one", an admin approves and schedules it,
   * and the worker's cutover goes through the provisioning sandbox. Fresh numbers each run, so it reruns.
   */
  private async demoNumberChange(app: INestApplication) {
    const pool = app.get(NumberPoolService);
    const requests = app.get(NumberChangeService);
    const admin = await app
      .get(DataSource)
      .getRepository(StaffUser)
      .findOneOrFail({ where: { email: 'admin@candor.test' } });
    const agent = { type: 'staff' as const, id: admin.id, role: admin.role };
    const base = randomInt(100_000, 900_000);
    const csv = ['msisdn', ...Array.from({ length: 20 }, (_, i) => `07460 ${base + i * 7}`)].join('\n');
    const imported = await pool.importCsv(Readable.from([csv]), agent);
    const subscriber = await app.get(SubscribersService).upsert({
      accountId: `DEMO-NC-${base}`,
      msisdn: `07958 ${base}`,
      email: 'demo.customer@example.com',
      firstName: 'Sam',
    });
    const customer = { type: 'customer' as const, id: subscriber.id, ip: '127.0.0.1' };
    const created = await requests.create(subscriber.id, { reason: 'My number was exposed' }, customer);
    const offers = await requests.offer(subscriber.id, created.id, true, customer);
    await requests.choose(subscriber.id, created.id, offers[0].msisdn, customer);
    await requests.approve(created.id, agent);
    await requests.schedule(created.id, undefined, agent);
    const done = await this.waitFor(async () => {
      const r = await requests.get(created.id);
      return r.state === 'completed' ? r : null;
    });
    this.log.log(`number change ${created.id}: ${done ? 'completed' : 'not completed in time'}`);
    // Every step was confirmed through the outbox (SMS to the old and new number, email): wait until sent.
    const confirmations = await this.waitFor(async () => {
      const rows: Array<{ channel: string; status: string }> = await app
        .get(DataSource)
        .query(`SELECT channel, status FROM messages WHERE dedupe_key LIKE $1`, [
          `number-change:${created.id}:%`,
        ]);
      if (rows.some((r) => ['pending', 'queued', 'sending'].includes(r.status))) return null;
      const sent = rows.filter((r) => ['sent', 'delivered'].includes(r.status));
      return {
        sms: sent.filter((r) => r.channel === 'sms').length,
        email: sent.filter((r) => r.channel === 'email').length,
      };
    });
    return {
      requestId: created.id,
      state: done?.state ?? (await requests.get(created.id)).state,
      oldNumber: mask(subscriber.msisdn),
      newNumber: mask(offers[0].msisdn),
      offered: offers.length,
      poolImported: imported.imported,
      provisioningReference: done?.provisioningReference ?? null,
      provisioningCalls: app.get(ProvisioningSandbox).calls,
      confirmations,
      pool: await pool.summary(),
    };
  }

  /**
   * Customers who do each journey through the pages only, as a phone's browser would (cookies, forms, HTML):
   * one signs in with the texted code, sees the exposure with its websites, claims the offer (a second click
   * adds nothing) and changes number through the wizard; someone else reports a change with "Not you?"; a
   * message's verify link opens as a page.
   */
  private async demoCustomerPages(app: INestApplication, summary: Record<string, any>) {
    const config = app.get(AppConfig);
    const db = app.get(DataSource);
    const sms = app.get(TwilioSandbox, { strict: false }) as TwilioSandbox | null;
    const runId: string | undefined = summary.analysis?.runId;
    if (!sms || !runId) return { skipped: 'needs the Twilio sandbox and an analysis run' };
    const base = config.http.publicBaseUrl;
    const people: Array<{ id: string; msisdn: string }> = await db.query(
      `SELECT s.id, s.msisdn FROM subscribers s JOIN analysis_matches m ON m.subscriber_id = s.id
       WHERE m.run_id = $1 AND s.email IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM offer_claims c WHERE c.subscriber_id = s.id)
         AND NOT EXISTS (SELECT 1 FROM number_change_requests r WHERE r.subscriber_id = s.id)
       ORDER BY s.msisdn LIMIT 2`,
      [runId],
    );
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
    const websites = (/<ul class="sites">([\s\S]*?)<\/ul>/.exec(account.html)?.[1].match(/<li>/g) ?? [])
      .length;
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
      const admin = await db
        .getRepository(StaffUser)
        .findOneOrFail({ where: { email: 'admin@candor.test' } });
      const agent = { type: 'staff' as const, id: admin.id, role: admin.role };
      const requests = app.get(NumberChangeService);
      await requests.approve(id, agent);
      await requests.schedule(id, undefined, agent);
      state =
        (await this.waitFor(async () =>
          (await requests.get(id)).state === 'completed' ? 'completed' : null,
        )) ?? (await requests.get(id)).state;
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
    const [held] = await db.query(
      `SELECT held_for_supervisor FROM number_change_requests WHERE subscriber_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [victim.id],
    );
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
      notMe: { reporter: 'anonymous', reportPage: report.status, requestHeld: !!held?.held_for_supervisor },
      verifyLinkPage: verify
        ? { status: verify.status, html: verify.html.startsWith('<!doctype html>') }
        : null,
    };
    this.log.log(`customer pages: ${JSON.stringify(result)}`);
    return result;
  }

  /** Polls work a queue worker does (up to 20 s). */
  private async waitFor<T>(check: () => Promise<T | null>): Promise<T | null> {
    for (let i = 0; i < 200; i++) {
      const v = await check();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }

  @Option({ flags: '--once', description: 'exit when the story has run' })
  once() {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON summary on stdout' })
  json() {
    return true;
  }

  @Option({ flags: '--port <port>', description: 'HTTP port (default PORT or 3000)' })
  port(v: string) {
    return v;
  }
}
