import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { Campaign } from './campaign.entity';
import { CampaignAudience } from './campaign-audience.service';
import { CampaignAudienceRepository } from './campaign-audience.repository';
import { CampaignMessagesRepository } from './campaign-messages.repository';
import { CampaignsRepository } from './campaigns.repository';
import { EnqueuerService } from './enqueuer.service';
import { quietKinds } from './message-kinds';
import { batchSizeFor } from './queues';
import { inQuietHours } from './quiet-hours';

/** The ids a build wrote (null when the audience was empty). */
export interface BuiltRows {
  from: string | null;
  to: string | null;
}

/**
 * A started campaign's audience as outbox rows and jobs: the send workers, the dispatcher (for held rows) and
 * the re-drive (for lost jobs) do the rest.
 */
@Injectable()
export class CampaignBuilder {
  private readonly logger = new Logger(CampaignBuilder.name);

  constructor(
    private readonly rows: CampaignMessagesRepository,
    private readonly audienceRows: CampaignAudienceRepository,
    private readonly campaigns: CampaignsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly enqueuer: EnqueuerService,
    private readonly audience: CampaignAudience,
  ) {}

  /**
   * The audience as outbox rows in one INSERT ... SELECT, ready to send: each row is written `queued` with the
   * id of the job that will carry it, so adding the jobs after commit (`addJobs`) writes nothing more to
   * Postgres. A job is a block of `batch` consecutive ids of one channel (one id on a rate-limited channel),
   * named by its first id and the build's time; ids are drawn after sorting by channel (Postgres evaluates
   * nextval() after the sort), so a channel's rows fill their blocks. SMS that quiet hours hold are written
   * `pending` for the dispatcher to take later. The unique (campaign, subscriber, channel) index refuses a
   * second row per person and channel: the build runs once, under the conditional move to running, and the
   * audience is deduplicated by the semi-join. Returns the range of ids written.
   */
  async build(m: EntityManager, c: Campaign): Promise<BuiltRows> {
    const started = Date.now();
    const audience = await this.audience.sql(m, c);
    const n = this.config.notifications;
    const holdSms =
      !c.ignoreQuietHours &&
      quietKinds().includes(c.kind) &&
      inQuietHours(this.clock.now(), n.quietHours, n.quietHoursTz);
    const built = await this.rows.build(m, c, audience, {
      holdSms,
      smsBatch: batchSizeFor(n.smsRatePerSecond),
      emailBatch: batchSizeFor(n.emailRatePerSecond),
    });
    const report = await this.audienceRows.report(m, audience);
    const buildReport = { ...report, messages: built.n, buildMs: Date.now() - started };
    await this.campaigns.setBuildReport(m, c.id, buildReport);
    this.logger.log(`campaign ${c.id}: ${buildReport.messages} messages for ${report.audience} recipients`);
    return { from: built.from, to: built.to };
  }

  /**
   * Adds the jobs of a build, once it is committed (a job must not find its row missing). Awaited, so a
   * start returns with every job in Redis; if adding fails, the rows wait queued without a job and the
   * sweeper re-enqueues them, so the campaign is started either way.
   */
  async addJobs(id: string, rows: BuiltRows): Promise<void> {
    if (rows.from === null) return;
    const started = Date.now();
    try {
      await this.enqueuer.addBuilt(id, rows.from, rows.to!);
      await this.campaigns.addEnqueueMs(id, Date.now() - started);
    } catch (e: any) {
      this.logger.warn(`campaign ${id}: adding its jobs failed (${e.message}); the sweeper will re-enqueue`);
    }
  }
}
