import { Logger, INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LedgerService } from '../../compensation/ledger.service';
import { OffersService } from '../../compensation/offers.service';
import { Clock } from '../../platform/clock/clock';
import { AppConfig } from '../../platform/config';
import { mask } from '../../platform/privacy';
import { TwilioSandbox } from '../../sandbox/twilio-sandbox';
import { CampaignsService } from '../../notifications/campaigns.service';
import { demoStaff } from './demo-staff';
import { approveAndRun } from './demo-notifications';
import { DemoRepository } from './demo.repository';

const log = new Logger('Demo');

/**
 * Making it right: a £5 credit offered to everyone the analysis matched, told to them by an offer-notice
 * campaign, and claimed by one of them replying the keyword to the text (through the signed inbound webhook).
 */
export async function demoCompensation(app: INestApplication, summary: Record<string, any>) {
  const reads = new DemoRepository(app.get(DataSource));
  const offers = app.get(OffersService);
  const base = app.get(AppConfig).http.publicBaseUrl;
  const comms = await demoStaff(app, 'comms@candor.test', 'comms');
  const supervisor = await demoStaff(app, 'supervisor@candor.test', 'supervisor');
  const runId: string | undefined = summary.analysis?.runId;
  const keyword = `SORRY${(await reads.offerCount()) + 1}`; // keywords are unique; a rerun of the demo gets the next one
  const offer = await offers.create(
    {
      name: 'Sorry for the exposure: £5 credit',
      kind: 'credit',
      value: 500,
      eligibility: runId ? 'analysis_run' : 'all',
      analysisRunId: runId,
      mode: 'claim',
      keyword,
      claimClosesAt: new Date(app.get(Clock).now().getTime() + 14 * 86400_000).toISOString(),
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
  const progress = await approveAndRun(app, c.id, comms, supervisor);
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
  const claims = await reads.claimCount(offer.id);
  const trial = await app.get(LedgerService).trialBalance();
  log.log(`compensation: offer ${offer.id} (${keyword}), ${claims} claim(s)`);
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
