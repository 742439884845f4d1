import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Campaign } from './campaign.entity';
import { CampaignAwareness } from './campaign-awareness.service';
import { smsHeldUntil } from './campaign-holds';
import { CampaignMessagesRepository, StatusCount } from './campaign-messages.repository';
import { CampaignsService } from './campaigns.service';

/** A campaign's read model while and after it sends: progress, what holds it, outcomes as CSV. */
@Injectable()
export class CampaignProgress {
  constructor(
    private readonly rows: CampaignMessagesRepository,
    private readonly campaigns: CampaignsService,
    private readonly awareness: CampaignAwareness,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Totals per state, rate over the last minute, ETA and failures by reason. */
  async progress(id: string) {
    const c = await this.campaigns.get(id);
    const byStatus = await this.rows.countsByStatus(id);
    const failures = await this.rows.failureCounts(id);
    const lastMinute = await this.rows.sentLastMinute(id);
    const totals: Record<string, number> = {};
    for (const r of byStatus) totals[r.status] = (totals[r.status] ?? 0) + r.n;
    const remaining = (totals.pending ?? 0) + (totals.queued ?? 0) + (totals.sending ?? 0);
    const ratePerSecond = lastMinute / 60;
    const progress = {
      id: c.id,
      status: c.status,
      hold: this.hold(c, byStatus, remaining),
      build: c.buildReport,
      totals,
      byChannel: byStatus,
      failures: failures.map((f) => ({ reason: f.errorCode, count: f.n })),
      ratePerSecond: Math.round(ratePerSecond * 10) / 10,
      etaSeconds: remaining === 0 ? 0 : ratePerSecond > 0 ? Math.ceil(remaining / ratePerSecond) : null,
    };
    return { ...progress, ...(await this.awareness.progressHolds(c, byStatus, progress.etaSeconds)) };
  }

  /**
   * Why the campaign is not sending as fast as it could, in the words the console shows: paused by staff,
   * SMS held by quiet hours (until when), or paced by the configured rate limit; null when nothing holds it.
   */
  private hold(
    c: Campaign,
    byStatus: StatusCount[],
    remaining: number,
  ): { reason: 'paused' | 'quiet_hours' | 'rate_limit'; until?: string; perSecond?: number } | null {
    if (c.status === 'paused') return { reason: 'paused' };
    if (c.status !== 'running' || remaining === 0) return null;
    const heldSms = byStatus.some((r) => r.channel === 'sms' && r.status === 'pending' && r.n > 0);
    const n = this.config.notifications;
    const until = heldSms ? smsHeldUntil(c, n, this.clock.now()) : null;
    if (until) return { reason: 'quiet_hours', until: until.toISOString() };
    const limited = byStatus.filter(
      (r) =>
        ['pending', 'queued', 'sending'].includes(r.status) &&
        (r.channel === 'sms' ? n.smsRatePerSecond : n.emailRatePerSecond) > 0,
    );
    if (limited.length)
      return {
        reason: 'rate_limit',
        perSecond: limited[0].channel === 'sms' ? n.smsRatePerSecond : n.emailRatePerSecond,
      };
    return null;
  }

  /** Outcomes as CSV, streamed by COPY; numbers and emails masked (the file gets passed around). 404 first. */
  async outcomesCsv(id: string): Promise<Readable> {
    await this.campaigns.get(id);
    return this.rows.outcomesCsv(id);
  }
}
