import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { LOCALES } from '../platform/locales';
import { Campaign } from './campaign.entity';
import { CampaignAudience, POLICY_SQL } from './campaign-audience.service';
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
    @InjectDataSource() private readonly db: DataSource,
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
    const { sql, params } = await this.audience.sql(m, c);
    const p = params.length;
    const n = this.config.notifications;
    const holdSms =
      !c.ignoreQuietHours &&
      quietKinds().includes(c.kind) &&
      inQuietHours(this.clock.now(), n.quietHours, n.quietHoursTz);
    const [built] = await m.query(
      `WITH audience AS (${sql}),
       picked AS (
         SELECT nextval('messages_id_seq') AS id, t.id AS subscriber_id, ch.channel,
                CASE WHEN t.locale = ANY($${p + 3}) THEN t.locale ELSE 'en' END AS locale,
                CASE ch.channel WHEN 'sms' THEN t.msisdn ELSE t.email END AS to_address,
                ch.channel = 'sms' AND $${p + 4}::boolean AS held,
                CASE ch.channel WHEN 'sms' THEN $${p + 5}::bigint ELSE $${p + 6}::bigint END AS batch
         FROM subscribers t CROSS JOIN (VALUES ('sms'), ('email')) ch(channel)
         WHERE t.id IN (SELECT subscriber_id FROM audience) AND (${POLICY_SQL[c.channelPolicy]})
         ORDER BY ch.channel),
       ins AS (
         INSERT INTO messages (id, campaign_id, subscriber_id, channel, kind, locale, to_address, status,
                               enqueue_count, queued_at, job_id)
         SELECT id, $${p + 1}::uuid, subscriber_id, channel, $${p + 2}, locale, to_address,
                CASE WHEN held THEN 'pending' ELSE 'queued' END, CASE WHEN held THEN 0 ELSE 1 END,
                CASE WHEN held THEN NULL ELSE now() END,
                CASE WHEN NOT held THEN
                  'c' || (id / batch * batch) || '-' || floor(extract(epoch FROM now()) * 1000)::bigint END
         FROM picked
         RETURNING id)
       SELECT count(*)::int AS n, min(id)::text AS "from", max(id)::text AS "to" FROM ins`,
      [
        ...params,
        c.id,
        c.kind,
        [...LOCALES],
        holdSms,
        batchSizeFor(n.smsRatePerSecond),
        batchSizeFor(n.emailRatePerSecond),
      ],
    );
    const [report] = await m.query(
      `WITH audience AS (${sql}) SELECT count(*)::int AS audience,
         count(*) FILTER (WHERE s.email IS NULL)::int AS "withoutEmail",
         count(*) FILTER (WHERE s.sms_opt_out)::int AS "smsOptedOut"
       FROM subscribers s JOIN audience a ON a.subscriber_id = s.id`,
      params,
    );
    const buildReport = { ...report, messages: built.n, buildMs: Date.now() - started };
    await m.query(`UPDATE campaigns SET build_report = $2 WHERE id = $1`, [c.id, buildReport]);
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
      await this.db.query(
        `UPDATE campaigns SET build_report = build_report || jsonb_build_object('enqueueMs', $2::int) WHERE id = $1`,
        [id, Date.now() - started],
      );
    } catch (e: any) {
      this.logger.warn(`campaign ${id}: adding its jobs failed (${e.message}); the sweeper will re-enqueue`);
    }
  }
}
