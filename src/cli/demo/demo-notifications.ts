import { Logger, INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor } from '../../platform/http/actor';
import { AppConfig } from '../../platform/config';
import { referenceCode } from '../../notifications/reference-code';
import { SmtpSink } from '../../sandbox/smtp-sink';
import { TwilioSandbox } from '../../sandbox/twilio-sandbox';
import { CampaignsService } from '../../notifications/campaigns.service';
import { CampaignLifecycle } from '../../notifications/campaign-lifecycle.service';
import { CampaignPreview } from '../../notifications/campaign-preview.service';
import { CampaignProgress } from '../../notifications/campaign-progress.service';
import { demoStaff } from './demo-staff';
import { DemoRepository } from './demo.repository';

const log = new Logger('Demo');

/** The demo's breach notice as comms would write it, in English and Welsh (every Annex II item). */
export const DEMO_NOTICE = {
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

/**
 * Tells the affected subscribers (the analysis run's matches when the demo has one, else everyone imported)
 * by SMS and email through the local sinks: a comms user drafts, a supervisor approves, it runs to the end.
 * It is marked urgent (SMS during quiet hours), as a breach notice in its first hour would be.
 */
export async function demoNotifications(app: INestApplication, summary: Record<string, any>) {
  const base = app.get(AppConfig).http.publicBaseUrl;
  const comms = await demoStaff(app, 'comms@candor.test', 'comms');
  const supervisor = await demoStaff(app, 'supervisor@candor.test', 'supervisor');
  const runId: string | undefined = summary.analysis?.runId;
  const c = await app.get(CampaignsService).create(
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
  const { notice } = await app.get(CampaignPreview).preview(c.id);
  const progress = await approveAndRun(app, c.id, comms, supervisor);
  const sample = await new DemoRepository(app.get(DataSource)).sentMessageId(c.id);
  const code = sample ? referenceCode(app.get(AppConfig).privacy.pseudonymKey, sample) : null;
  log.log(`campaign ${c.id}: ${JSON.stringify(progress.totals)}`);
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

/** A second person approves, the campaign runs, and we wait (up to a minute) until it has completed. */
export async function approveAndRun(app: INestApplication, id: string, author: Actor, approver: Actor) {
  const lifecycle = app.get(CampaignLifecycle);
  const progressOf = app.get(CampaignProgress);
  await lifecycle.act(id, 'approve', approver);
  await lifecycle.act(id, 'start', author);
  const deadline = Date.now() + 60_000;
  let progress = await progressOf.progress(id);
  while (progress.status !== 'completed' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    await lifecycle.completeFinished(); // rather than wait for the next sweep
    progress = await progressOf.progress(id);
  }
  return progress;
}
