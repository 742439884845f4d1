import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { smsInfo, smsWarnings } from '../channels/sms-segments';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Campaign } from './campaign.entity';
import { CampaignAudience } from './campaign-audience.service';
import { CampaignAudienceRepository } from './campaign-audience.repository';
import { CampaignAwareness } from './campaign-awareness.service';
import { etaWithHolds, smsHeldUntil } from './campaign-holds';
import { CampaignsService } from './campaigns.service';
import { quietKinds } from './message-kinds';
import { NoticeComposer } from './notice-composer.service';
import { finishSeconds } from './quiet-hours';
import { PACING_HEADROOM } from './send-pacer';
import { TemplateRegistry } from './templates/template-registry';

/** What a campaign would send, before anything is sent: counts, segments, cost, ETA, holds, the notice. */
@Injectable()
export class CampaignPreview {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audienceRows: CampaignAudienceRepository,
    private readonly campaigns: CampaignsService,
    private readonly audience: CampaignAudience,
    private readonly templates: TemplateRegistry,
    private readonly composer: NoticeComposer,
    private readonly awareness: CampaignAwareness,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Counts per channel and locale, cost and time at the configured rates, before anything is sent. */
  async preview(id: string, opts: { excludeRecent?: boolean } = {}) {
    const c = await this.campaigns.get(id);
    c.excludeRecentRecipients = opts.excludeRecent ?? c.excludeRecentRecipients;
    const { rows, audience, withoutEmail, repeat } = await this.db.transaction((m) =>
      this.previewCounts(m, c),
    );
    const n = this.config.notifications;
    let sms = 0;
    let smsSegments = 0;
    let email = 0;
    let costPence = 0;
    const warnings: string[] = [];
    const perLocale = rows.map((r) => {
      const count = r.n;
      if (r.channel === 'sms') {
        const info = smsInfo(
          this.templates.render(c.kind, r.locale, 'sms', this.templates.sampleVars(c.kind, c.vars)).text,
        );
        sms += count;
        smsSegments += count * info.segments;
        costPence += count * info.segments * n.smsCostPencePerSegment;
        warnings.push(...smsWarnings(r.locale, info));
        return {
          channel: r.channel,
          locale: r.locale,
          count,
          segments: info.segments,
          encoding: info.encoding,
        };
      }
      email += count;
      costPence += count * n.emailCostPence;
      return { channel: r.channel, locale: r.locale, count };
    });
    // Started now, its SMS would wait for the end of quiet hours first (shown to comms; in the ETA below).
    const quietUntil = sms > 0 ? smsHeldUntil(c, n, this.clock.now()) : null;
    const waitSeconds = quietUntil
      ? Math.ceil((quietUntil.getTime() - this.clock.now().getTime()) / 1000)
      : 0;
    // SMS go at the pool's segment rate (99% of it at best: the pacer's headroom), only outside quiet hours.
    const quiet = !c.ignoreQuietHours && quietKinds().includes(c.kind) ? n.quietHours : null;
    const smsEta =
      n.smsRatePerSecond > 0
        ? finishSeconds(
            smsSegments / (n.smsRatePerSecond * PACING_HEADROOM),
            this.clock.now(),
            quiet,
            n.quietHoursTz,
          )
        : null;
    const emailEta =
      n.emailRatePerSecond > 0 ? Math.ceil(email / (n.emailRatePerSecond * PACING_HEADROOM)) : null;
    const preview = {
      audience,
      withoutEmail,
      messages: { sms, email },
      smsSegments,
      perLocale,
      costPence,
      quietHours: { smsWaitUntil: quietUntil?.toISOString() ?? null, waitSeconds },
      senders: n.smsSenders.map((x) => ({ sender: x.id, segmentsPerSecond: x.segmentsPerSecond })),
      segmentsPerSecond: n.smsRatePerSecond,
      etaSeconds: { sms: smsEta, email: emailEta },
      warnings,
    };
    return this.aware(c, preview, repeat);
  }

  /** The preview with what staff should know: holds (in the ETA), repeat recipients, the notice as written. */
  private async aware<
    P extends {
      messages: { sms: number; email: number };
      etaSeconds: { sms: number | null; email: number | null };
    },
  >(c: Campaign, preview: P, repeat: Awaited<ReturnType<CampaignAwareness['repeatRecipients']>>) {
    const holds = await this.awareness.holds(c, preview.messages, null);
    return {
      ...preview,
      // a paced SMS ETA counts quiet hours already (above); without a rate it is the wait; the others are added
      etaSeconds: etaWithHolds(
        preview.etaSeconds,
        holds.filter((h) => h.reason !== 'quiet_hours' || preview.etaSeconds.sms === null),
      ),
      holds,
      repeatRecipients: repeat,
      notice: this.composer.review(c),
    };
  }

  /** The preview's counts, in one transaction (an analysis-run audience is staged in it). */
  private async previewCounts(m: EntityManager, c: Campaign) {
    const base = await this.audience.baseSql(m, c);
    const repeat = await this.awareness.repeatRecipients(m, c, base);
    const audience = c.excludeRecentRecipients ? await this.awareness.excludeRecent(m, c, base) : base;
    const rows = await this.audienceRows.countsByChannel(m, audience, c.channelPolicy);
    const { audience: size, withoutEmail } = await this.audienceRows.report(m, audience);
    return { rows, audience: size, withoutEmail, repeat };
  }
}
