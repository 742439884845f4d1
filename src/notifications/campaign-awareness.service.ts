import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../platform/config';
import { Clock } from '../platform/clock/clock';
import { Campaign } from './campaign.entity';
import { AudienceSql, CampaignAudienceRepository } from './campaign-audience.repository';
import { CampaignMessagesRepository, StatusCount, WaitingScope } from './campaign-messages.repository';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignHold, holdUntil } from './campaign-holds';
import { quietHoursEnd } from './quiet-hours';
import { quietKinds } from './message-kinds';
import { PACING_HEADROOM } from './send-pacer';
import { TemplateRegistry } from './templates/template-registry';

/**
 * What staff should know before and while a campaign sends (issue 17): who in its audience already got the
 * same kind for the same incident recently (and leaving them out), and what holds its messages (quiet hours,
 * the channel's rate with other campaigns' messages ahead, a pause) with the time sending resumes.
 */
@Injectable()
export class CampaignAwareness {
  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly audience: CampaignAudienceRepository,
    private readonly rows: CampaignMessagesRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly templates: TemplateRegistry,
  ) {}

  /** Other campaigns of the same kind and incident started within the window (by the Clock). */
  private async recentCampaigns(m: EntityManager, c: Campaign): Promise<string[]> {
    const since = new Date(
      this.clock.now().getTime() - this.config.notifications.repeatWindowHours * 3_600_000,
    );
    return this.campaigns.recentOfKind(m, c, since);
  }

  /** The audience without those who already got it (campaign, subscriber: the outbox's unique index). */
  async excludeRecent(m: EntityManager, c: Campaign, base: AudienceSql): Promise<AudienceSql> {
    const ids = await this.recentCampaigns(m, c);
    if (!ids.length) return base;
    return this.audience.excluding(base, ids);
  }

  /** How many of the audience already got this kind for this incident within the window, from how many campaigns. */
  async repeatRecipients(m: EntityManager, c: Campaign, base: AudienceSql) {
    const ids = await this.recentCampaigns(m, c);
    const windowHours = this.config.notifications.repeatWindowHours;
    const count = ids.length ? await this.audience.countReached(m, base, ids) : 0;
    return {
      count,
      windowHours,
      earlierCampaigns: ids.length,
      excluded: c.excludeRecentRecipients,
      message: count
        ? `${count} of this audience already got a ${c.kind} for this incident in the last ${windowHours} h` +
          (c.excludeRecentRecipients
            ? '; they are left out.'
            : '; set excludeRecentRecipients to leave them out.')
        : null,
    };
  }

  /** Progress's holds, and its ETA with them: what waits per channel, and which of our rows is queued first. */
  async progressHolds(
    c: Campaign,
    byStatus: StatusCount[],
    eta: number | null,
  ): Promise<{ holds: CampaignHold[]; etaSeconds: number | null }> {
    const waiting = { sms: 0, email: 0 };
    for (const r of byStatus)
      if (
        ['pending', 'queued', 'sending'].includes(r.status) &&
        (r.channel === 'sms' || r.channel === 'email')
      )
        waiting[r.channel] += r.n;
    if (!waiting.sms && !waiting.email) return { holds: [], etaSeconds: eta };
    const firsts = await this.rows.firstQueued(c.id);
    const aheadOf = { sms: null as string | null, email: null as string | null };
    for (const f of firsts) aheadOf[f.channel] = f.first;
    const holds = await this.holds(c, waiting, aheadOf);
    const wait = Math.max(0, ...holds.map((h) => h.waitSeconds));
    // Nothing sent in the last minute (held, or just started): our own rows at the configured rates.
    const own = eta ?? (c.status === 'running' ? await this.ownDrainSeconds(c, waiting) : null);
    return { holds, etaSeconds: wait || own !== null ? wait + (own ?? 0) : null };
  }

  /** Seconds for our waiting rows at the channels' rates (SMS in segments); null if a channel has no limit. */
  private async ownDrainSeconds(
    c: Campaign,
    waiting: { sms: number; email: number },
  ): Promise<number | null> {
    const n = this.config.notifications;
    let longest = 0;
    for (const ch of ['sms', 'email'] as const) {
      if (!waiting[ch]) continue;
      if (!(ch === 'sms' ? n.smsRatePerSecond : n.emailRatePerSecond)) return null;
      const own = await this.load(ch, ['pending', 'queued', 'sending'], { own: c.id });
      longest = Math.max(longest, this.drainSeconds(ch, own.units));
    }
    return longest;
  }

  /**
   * What holds a campaign's messages now: quiet hours (its SMS), the channel's rate with other campaigns'
   * messages queued ahead (`aheadOf`: only rows before this id, for a campaign already sending), a pause.
   */
  async holds(
    c: Campaign,
    waiting: { sms: number; email: number },
    aheadOf: { sms: string | null; email: string | null } | null,
  ): Promise<CampaignHold[]> {
    const n = this.config.notifications;
    const now = this.clock.now();
    const tz = n.quietHoursTz;
    const holds: CampaignHold[] = [];
    if (c.status === 'paused')
      for (const ch of ['sms', 'email'] as const)
        if (waiting[ch] > 0)
          holds.push(
            holdUntil(ch, 'paused', 'Paused: sending resumes when someone resumes it.', now, null, tz),
          );
    const quiet =
      waiting.sms > 0 && !c.ignoreQuietHours && quietKinds().includes(c.kind)
        ? quietHoursEnd(now, n.quietHours, tz)
        : null;
    if (quiet)
      holds.push(holdUntil('sms', 'quiet_hours', 'Quiet hours: SMS wait until the morning.', now, quiet, tz));
    for (const ch of ['sms', 'email'] as const) {
      const rate = ch === 'sms' ? n.smsRatePerSecond : n.emailRatePerSecond;
      if (!rate || !waiting[ch]) continue;
      const before = aheadOf ? aheadOf[ch] : null;
      if (aheadOf && before === null) continue; // nothing of ours queued on this channel
      const ahead = await this.load(ch, ['queued', 'sending'], { otherThan: c.id, before });
      if (!ahead.messages) continue;
      const at = new Date(now.getTime() + this.drainSeconds(ch, ahead.units) * 1000);
      const what =
        ch === 'sms'
          ? `${ahead.messages} messages (${ahead.units} segments) of other campaigns are ahead at ${rate} segments/s`
          : `${ahead.messages} messages of other campaigns are ahead at ${rate}/s`;
      holds.push(holdUntil(ch, 'rate', `${what} on this channel.`, now, at, tz));
    }
    return holds;
  }

  /** Seconds to send `units` at the channel's rate as the pacer does (with its headroom); 0 when unlimited. */
  private drainSeconds(ch: 'sms' | 'email', units: number): number {
    const n = this.config.notifications;
    const rate = ch === 'sms' ? n.smsRatePerSecond : n.emailRatePerSecond;
    return rate > 0 ? Math.ceil(units / (rate * PACING_HEADROOM)) : 0;
  }

  /**
   * The channel's rows in `statuses` of `scope` (CampaignMessagesRepository.waiting), and what they cost the pacer:
   * an SMS its segments, estimated per campaign and locale as the preview does (the rows are not rendered
   * until they are sent), an email 1. Rate limits count SMS segments, so a 2-segment notice waits twice as long.
   */
  private async load(
    ch: 'sms' | 'email',
    statuses: string[],
    scope: WaitingScope,
  ): Promise<{ messages: number; units: number }> {
    const groups = await this.rows.waiting(ch, statuses, scope);
    let messages = 0;
    let units = 0;
    for (const g of groups) {
      messages += g.n;
      units += g.n * (ch === 'sms' ? this.segments(g.kind, g.locale, g.vars ?? {}) : 1);
    }
    return { messages, units };
  }

  private segments(kind: string, locale: string, vars: Record<string, string>): number {
    try {
      return (
        this.templates.render(kind, locale, 'sms', this.templates.sampleVars(kind, vars)).sms?.segments ?? 1
      );
    } catch {
      return 1; // a kind without an SMS template: its send records the error, at a slot's cost
    }
  }
}
