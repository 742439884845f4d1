import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Actor } from '../platform/http/actor';
import { Conflict, Forbidden, InvalidInput } from '../platform/http/domain-error';
import { changeState, sqlValue } from '../platform/state/state-change';
import { Campaign, CampaignStatus } from './campaign.entity';
import { CampaignAlerts } from './campaign-alerts';
import { BuiltRows, CampaignBuilder } from './campaign-builder';
import { CampaignAction, campaignMachine } from './campaign-state';
import { CampaignMessagesRepository } from './campaign-messages.repository';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { NoticeComposer } from './notice-composer.service';

/**
 * A campaign's state changes, every one through the state machine (`campaign-state.ts`) and `changeState`: staff
 * actions, the scheduler's start, the dispatcher's completion, and the provider's pause. Starting one builds the
 * audience into outbox rows (`CampaignBuilder`) in the same transaction as the move to running.
 */
@Injectable()
export class CampaignLifecycle {
  private readonly logger = new Logger(CampaignLifecycle.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: CampaignsRepository,
    private readonly rows: CampaignMessagesRepository,
    private readonly campaigns: CampaignsService,
    private readonly builder: CampaignBuilder,
    private readonly audit: AuditService,
    private readonly composer: NoticeComposer,
    private readonly alerts: CampaignAlerts,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Applies a lifecycle action with a conditional UPDATE, so two people clicking at once cannot both win. A
   * cancel may give its reason (a supervisor rejecting a draft from the inbox); it is kept in the audit row.
   */
  async act(
    id: string,
    action: CampaignAction,
    actor: Actor,
    at?: Date,
    reason?: string,
  ): Promise<Campaign & { warnings?: string[] }> {
    const c = await this.campaigns.get(id);
    const to = campaignMachine.next(c.status, action);
    if (!to) throw new Conflict(campaignMachine.refusal('campaign', c.status, action));
    if (action === 'approve' && this.config.notifications.secondApprover && c.createdBy === actor.id)
      throw new Forbidden('a campaign must be approved by someone other than its author');
    if (action === 'approve' && c.returnedAt)
      throw new Conflict('this campaign was sent back to its author: it can be approved once they edit it');
    // What comms wrote must be complete (every paragraph; a breach notice every Annex II item); Welsh gaps warn.
    const warnings = action === 'approve' ? this.composer.assertApprovable(c) : undefined;
    if (action === 'schedule' && (!at || at.getTime() <= this.clock.now().getTime()))
      throw new InvalidInput('Validation failed', [
        { field: 'scheduledAt', messages: ['scheduledAt must be in the future'] },
      ]);
    let built: BuiltRows | null = null;
    const result = await this.db.transaction(async (m) => {
      const changed = await this.move(
        m,
        c.id,
        c.status,
        to,
        action,
        actor,
        at,
        reason ? { reason } : undefined,
      );
      if (!changed) throw new Conflict('the campaign changed meanwhile; reload and try again');
      if (to === 'running' && !c.startedAt) built = await this.builder.build(m, c);
      if (action === 'cancel') await this.rows.cancelOpen(m, c.id);
      return this.repo.get(m, c.id);
    });
    if (built) await this.builder.addJobs(c.id, built);
    return warnings ? { ...result, warnings } : result;
  }

  /** The conditional move and its audit row (`changeState`), with the columns each step stamps. */
  private move(
    m: EntityManager,
    id: string,
    from: CampaignStatus,
    to: CampaignStatus,
    action: CampaignAction,
    actor: Actor,
    at?: Date,
    why?: Record<string, unknown>,
  ): Promise<boolean> {
    const now = this.clock.now();
    return changeState(m, this.audit, {
      table: 'campaigns',
      id,
      from,
      to,
      // a draft sent back meanwhile is not approved: its author edits it first
      ...(action === 'approve' ? { where: 'returned_at IS NULL' } : {}),
      set: {
        updated_at: sqlValue('now()'),
        ...(action === 'approve' ? { approved_by: actor.id ?? null, approved_at: now } : {}),
        ...(action === 'schedule' ? { scheduled_at: at ?? null } : {}),
        ...(to === 'running' ? { started_at: sqlValue('coalesce(started_at, ?)', now) } : {}),
        ...(to === 'completed' || to === 'cancelled' ? { completed_at: now } : {}),
      },
      audit: {
        actor,
        action: `campaign.${action}`,
        targetType: 'campaign',
        summary: { ...(at ? { scheduledAt: at.toISOString() } : {}), ...why },
      },
    });
  }

  /**
   * A provider refusal that every other message of the campaign would meet too (carrier filtering of its
   * content, the account's configuration). A running campaign is paused, audited, and the registered alert
   * handlers run (the incidents module emails comms and supervisors), all in one transaction; only the first
   * such refusal moves it (the others find it paused). A person fixes the content, sender or account and
   * resumes it; its held rows are sent then. A refusal that comes back when the campaign is no longer running
   * (a delivery callback after it finished, or while a person had paused it) cannot stop anything, but is
   * audited and alerted once per campaign and code (`campaign_provider_alerts`), however many messages it hit.
   * Answers what it did.
   */
  async pauseForProvider(id: string, code: string, action: string): Promise<'paused' | 'alerted' | 'none'> {
    const actor: Actor = { type: 'system', id: 'provider' };
    return this.db.transaction(async (m) => {
      const c = await this.repo.find(id, m);
      if (!c) return 'none';
      const first = await this.repo.firstProviderAlert(m, id, code, this.clock.now());
      const fix =
        action === 'content'
          ? 'the carrier filtered the message; change its content or sender'
          : 'the SMS account refused it (credentials, region or sender); fix the account';
      const raise = (paused: boolean) =>
        this.alerts.raise(m, {
          campaignId: id,
          campaignName: c.name,
          code,
          action,
          reason: `${code}: ${fix}${paused ? ', then resume' : ' before sending it again'}`,
          paused,
        });
      if (await this.move(m, id, 'running', 'paused', 'pause', actor, undefined, { code, action })) {
        await raise(true);
        this.logger.error(`campaign ${id} paused by the provider's ${code} (${action}); comms alerted`);
        return 'paused';
      }
      if (!first) return 'none';
      await this.audit.record(m, actor, {
        action: 'campaign.provider_refusal',
        targetType: 'campaign',
        targetId: id,
        summary: { code, action, status: c.status },
      });
      await raise(false);
      this.logger.error(
        `campaign ${id} (${c.status}) refused by the provider's ${code} (${action}); comms alerted`,
      );
      return 'alerted';
    });
  }

  /** Scheduled campaigns whose time has come start (called by the dispatcher's sweep). */
  async startDue(): Promise<void> {
    const due = await this.repo.dueScheduled(this.clock.now());
    for (const id of due)
      await this.act(id, 'begin', { type: 'system', id: 'scheduler' }).catch((e) =>
        this.logger.warn(`scheduled campaign ${id} did not start: ${e.message}`),
      );
  }

  /** Running campaigns with nothing left to send become completed. */
  async completeFinished(): Promise<void> {
    const done = await this.repo.finishedRunning();
    for (const id of done)
      await this.db.transaction((m) =>
        this.move(m, id, 'running', 'completed', 'complete', { type: 'system', id: 'dispatcher' }),
      );
  }
}
