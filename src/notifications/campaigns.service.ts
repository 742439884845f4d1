import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../platform/config';
import { Clock } from '../platform/clock/clock';
import { csvExport } from '../platform/database/copy-out';
import { mask, maskEmail } from '../platform/privacy';
import { SubscribersService } from '../subscribers/subscribers.service';
import { Campaign, CampaignStatus } from './campaign.entity';
import { allowedFrom, CampaignAction, transition } from './campaign-state';
import { CreateCampaignDto, UpdateCampaignDto } from './dto/campaign.dto';
import { EnqueuerService } from './enqueuer.service';
import { LOCALES } from '../platform/locales';
import { quietKinds } from './message-kinds';
import { batchSizeFor } from './queues';
import { finishSeconds, inQuietHours, quietHoursEnd } from './quiet-hours';
import { PACING_HEADROOM } from './send-pacer';
import { smsInfo, smsWarnings } from '../channels/sms-segments';
import { CampaignAlerts } from './campaign-alerts';
import { TemplateRegistry } from './templates/template-registry';
import { csvRows } from '../platform/streams/csv-rows';
import { AudiencePort } from '../subscribers/audience.port';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../platform/http/domain-error';
import { CampaignAwareness } from './campaign-awareness.service';
import { etaWithHolds } from './campaign-holds';
import { isFilled } from './notice-composition';
import { NoticeComposer } from './notice-composer.service';

/** Which (subscriber, channel) pairs a policy produces, as SQL over `t` (subscriber) and `ch.channel`. */
const POLICY_SQL: Record<Campaign['channelPolicy'], string> = {
  sms: `ch.channel = 'sms'`,
  email: `ch.channel = 'email' AND t.email IS NOT NULL`,
  both: `ch.channel = 'sms' OR (ch.channel = 'email' AND t.email IS NOT NULL)`,
  sms_else_email: `(ch.channel = 'sms' AND NOT t.sms_opt_out) OR (ch.channel = 'email' AND t.sms_opt_out AND t.email IS NOT NULL)`,
  // Email now to everyone who can get one; the (slow, paced) SMS only to the rest.
  email_first: `(ch.channel = 'email' AND t.email IS NOT NULL AND NOT t.email_opt_out) OR (ch.channel = 'sms' AND (t.email IS NULL OR t.email_opt_out))`,
};

/** The ids a build wrote (null when the audience was empty). */
interface BuiltRows {
  from: string | null;
  to: string | null;
}

/**
 * Campaigns: an incident's message to an audience. Starting one builds the audience into outbox rows in one
 * INSERT ... SELECT (unique per campaign, subscriber and channel), queued with their job ids, and adds the
 * jobs; the send workers, the dispatcher (for held rows) and the sweeper (for lost jobs) do the rest.
 */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly templates: TemplateRegistry,
    private readonly subscribers: SubscribersService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly enqueuer: EnqueuerService,
    private readonly composer: NoticeComposer,
    private readonly awareness: CampaignAwareness,
    private readonly alerts: CampaignAlerts,
    @Optional() private readonly audiences?: AudiencePort,
  ) {}

  async create(dto: CreateCampaignDto, actor: Actor): Promise<Campaign> {
    this.composer.kind(dto.kind);
    if (dto.audienceType === 'analysis_run') {
      if (!dto.audienceRef)
        throw new InvalidInput('audienceRef (the analysis run id) is required for an analysis_run audience');
      if (!this.audiences) throw new InvalidInput('analysis audiences are not available');
      await this.audiences.assertReady(dto.audienceRef);
    }
    // What comms wrote (English and Welsh), checked as they save; Candor's links and details filled in.
    const { vars, varsCy } = await this.composer.prepare({
      kind: dto.kind,
      incidentId: dto.incidentId ?? null,
      vars: dto.vars ?? {},
      varsCy: dto.varsCy ?? {},
    });
    return this.db.transaction(async (m) => {
      const c = await m.save(
        m.create(Campaign, {
          name: dto.name,
          incidentId: dto.incidentId ?? null,
          kind: dto.kind,
          audienceType: dto.audienceType,
          audienceRef: dto.audienceRef ?? null,
          channelPolicy: dto.channelPolicy,
          status: 'draft',
          vars,
          varsCy,
          excludeRecentRecipients: dto.excludeRecentRecipients ?? false,
          ignoreQuietHours: dto.ignoreQuietHours ?? false,
          validitySeconds: dto.validityPeriodSeconds ?? null,
          createdBy: actor.id ?? 'system',
          // the Clock's time: the approvals inbox compares it with the Clock (reminders of what waits)
          createdAt: this.clock.now(),
        }),
      );
      await this.audit.record(m, actor, {
        action: 'campaign.create',
        targetType: 'campaign',
        targetId: c.id,
        summary: { name: c.name, kind: c.kind, audience: c.audienceType, policy: c.channelPolicy },
      });
      return c;
    });
  }

  async get(id: string): Promise<Campaign> {
    const c = await this.db.getRepository(Campaign).findOne({ where: { id } });
    if (!c) throw new NotFound('campaign not found');
    return c;
  }

  /**
   * Edits a draft: its name, what comms wrote (merged over what is there; an empty string clears a paragraph
   * or a Welsh value) and its options, under the same checks as creating it. Audited with the fields changed.
   */
  async update(id: string, dto: UpdateCampaignDto, actor: Actor): Promise<Campaign> {
    const c = await this.get(id);
    if (c.status !== 'draft')
      throw new Conflict(`only a draft campaign can be edited (this one is ${c.status})`);
    const written = (v: Record<string, string>) =>
      Object.fromEntries(Object.entries(v).filter(([k]) => !isFilled(k)));
    const { vars, varsCy } = await this.composer.prepare({
      kind: c.kind,
      incidentId: c.incidentId,
      vars: { ...written(c.vars), ...(dto.vars ?? {}) },
      varsCy: { ...written(c.varsCy), ...(dto.varsCy ?? {}) },
    });
    return this.db.transaction(async (m) => {
      const [, n] = await m.query(
        `UPDATE campaigns SET name = $2, vars = $3, vars_cy = $4, ignore_quiet_hours = $5,
           exclude_recent_recipients = $6, updated_at = now(),
           returned_comment = NULL, returned_by = NULL, returned_at = NULL -- an edit resubmits a sent-back draft
         WHERE id = $1 AND status = 'draft'`,
        [
          c.id,
          dto.name ?? c.name,
          vars,
          varsCy,
          dto.ignoreQuietHours ?? c.ignoreQuietHours,
          dto.excludeRecentRecipients ?? c.excludeRecentRecipients,
        ],
      );
      if (!n) throw new Conflict('the campaign left draft meanwhile; reload');
      await this.audit.record(m, actor, {
        action: 'campaign.edit',
        targetType: 'campaign',
        targetId: c.id,
        summary: {
          fields: Object.keys(dto).filter((k) => (dto as Record<string, unknown>)[k] !== undefined),
          vars: Object.keys(dto.vars ?? {}),
          varsCy: Object.keys(dto.varsCy ?? {}),
        },
      });
      return m.findOneByOrFail(Campaign, { id: c.id });
    });
  }

  /** The latest approved (or sent) campaign of `kind` for an incident, or null: what customers were told. */
  async latestApproved(incidentId: string, kind: string): Promise<Campaign | null> {
    return this.db
      .getRepository(Campaign)
      .createQueryBuilder('c')
      .where('c.incident_id = :incidentId AND c.kind = :kind', { incidentId, kind })
      .andWhere(`c.status IN ('approved', 'scheduled', 'running', 'paused', 'completed')`)
      .orderBy('c.created_at', 'DESC')
      .getOne();
  }

  list(): Promise<Campaign[]> {
    return this.db.getRepository(Campaign).find({ order: { createdAt: 'DESC' }, take: 100 });
  }

  /** Counts per channel and locale, cost and time at the configured rates, before anything is sent. */
  async preview(id: string, opts: { excludeRecent?: boolean } = {}) {
    const c = await this.get(id);
    c.excludeRecentRecipients = opts.excludeRecent ?? c.excludeRecentRecipients;
    const { rows, audience, without_email, repeat } = await this.db.transaction((m) =>
      this.previewCounts(m, c),
    );
    const n = this.config.notifications;
    let sms = 0;
    let smsSegments = 0;
    let email = 0;
    let costPence = 0;
    const warnings: string[] = [];
    const perLocale = rows.map((r) => {
      const count = Number(r.n);
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
    const quietUntil = sms > 0 ? this.smsHeldUntil(c) : null;
    const waitSeconds = quietUntil
      ? Math.ceil((quietUntil.getTime() - this.clock.now().getTime()) / 1000)
      : 0;
    // SMS go at the pool's segment rate (97% of it: the pacer's headroom), only outside quiet hours.
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
      withoutEmail: without_email,
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

  /** When the campaign's SMS held by quiet hours now would be released (null: not held now). */
  private smsHeldUntil(c: Campaign): Date | null {
    const n = this.config.notifications;
    if (c.ignoreQuietHours || !quietKinds().includes(c.kind)) return null;
    return quietHoursEnd(this.clock.now(), n.quietHours, n.quietHoursTz);
  }

  /** The preview's counts, in one transaction (an analysis-run audience is staged in it). */
  private async previewCounts(m: EntityManager, c: Campaign) {
    const base = await this.baseAudienceSql(m, c);
    const repeat = await this.awareness.repeatRecipients(m, c, base);
    const { sql, params } = c.excludeRecentRecipients ? await this.awareness.excludeRecent(m, c, base) : base;
    const rows: Array<{ channel: string; locale: string; n: string }> = await m.query(
      `WITH audience AS (${sql}), t AS (SELECT s.* FROM subscribers s JOIN audience a ON a.subscriber_id = s.id)
       SELECT ch.channel, CASE WHEN t.locale = ANY($${params.length + 1}) THEN t.locale ELSE 'en' END AS locale,
              count(*) AS n
       FROM t CROSS JOIN (VALUES ('sms'), ('email')) ch(channel)
       WHERE ${POLICY_SQL[c.channelPolicy]} GROUP BY 1, 2 ORDER BY 1, 2`,
      [...params, [...LOCALES]],
    );
    const [{ audience, without_email }] = await m.query(
      `WITH audience AS (${sql}) SELECT count(*)::int AS audience,
         count(*) FILTER (WHERE s.email IS NULL)::int AS without_email
       FROM subscribers s JOIN audience a ON a.subscriber_id = s.id`,
      params,
    );
    return { rows, audience, without_email, repeat };
  }

  /** Adds a CSV audience (a column account_id or msisdn), streamed in batches; reports what did not match. */
  async uploadAudience(id: string, csv: Readable, actor: Actor) {
    const c = await this.get(id);
    if (c.audienceType !== 'csv') throw new InvalidInput('this campaign does not take a CSV audience');
    if (c.status !== 'draft')
      throw new Conflict('the audience can only change while the campaign is a draft');
    const report = { rows: 0, matched: 0, invalidNumbers: 0, unknown: 0, samples: [] as string[] };
    let column = -1;
    let byNumber = false;
    let batch: string[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const keys = batch;
      batch = [];
      // One statement: add the matches and count how many keys matched someone.
      const key = byNumber ? 's.msisdn_hmac' : 's.account_id';
      // Each batch re-checks the campaign under a share lock (issue 18, F5): an approval waits for the batch
      // in flight, and no batch lands once the campaign has left draft, so what was approved is what is sent.
      const n = await this.db.transaction(async (m) => {
        const [row] = await m.query(`SELECT status FROM campaigns WHERE id = $1 FOR SHARE`, [c.id]);
        if (row?.status !== 'draft')
          throw new Conflict(
            `the campaign became ${row?.status ?? 'deleted'} while the audience was uploading; the rest was not added`,
          );
        const [hit] = await m.query(
          `WITH k AS (SELECT unnest($2::text[]) AS k),
                hits AS (SELECT k.k, s.id FROM k JOIN subscribers s ON ${key} = k.k),
                ins AS (INSERT INTO campaign_audience (campaign_id, subscriber_id)
                        SELECT DISTINCT $1::uuid, id FROM hits ON CONFLICT DO NOTHING)
           SELECT count(*)::int AS n FROM hits`,
          [c.id, keys],
        );
        return hit.n as number;
      });
      report.matched += n;
      report.unknown += keys.length - n;
    };
    for await (const row of csvRows(csv)) {
      const cells = (row.cells ?? []).map((x) => x.trim());
      if (column < 0) {
        column = cells.findIndex((h) => h === 'account_id' || h === 'msisdn');
        if (column < 0) throw new InvalidInput('the CSV needs a header with an account_id or msisdn column');
        byNumber = cells[column] === 'msisdn';
        continue;
      }
      report.rows++;
      const value = cells[column] ?? '';
      if (byNumber) {
        const e164 = this.subscribers.normalise(value);
        if (!e164) {
          report.invalidNumbers++;
          if (report.samples.length < 5)
            report.samples.push(`line ${report.rows + 1}: invalid number ${mask(value)}`);
          continue;
        }
        batch.push(this.subscribers.hmac(e164));
      } else batch.push(value);
      if (batch.length >= 5000) await flush();
    }
    await flush();
    await this.db.transaction((m) =>
      this.audit.record(m, actor, {
        action: 'campaign.audience',
        targetType: 'campaign',
        targetId: c.id,
        summary: report,
      }),
    );
    return report;
  }

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
    const c = await this.get(id);
    const to = transition(action, c.status);
    if (!to)
      throw new Conflict(
        `cannot ${action} a ${c.status} campaign (allowed from: ${allowedFrom(action).join(', ')})`,
      );
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
      if (to === 'running' && !c.startedAt) built = await this.build(m, c);
      if (action === 'cancel')
        await m.query(
          `UPDATE messages SET status = 'cancelled', error_code = 'campaign_cancelled', vars = NULL, updated_at = now()
           WHERE campaign_id = $1 AND status IN ('pending', 'queued')`,
          [c.id],
        );
      return m.findOneByOrFail(Campaign, { id: c.id });
    });
    if (built) await this.addJobs(c.id, built);
    return warnings ? { ...result, warnings } : result;
  }

  private async move(
    m: EntityManager,
    id: string,
    from: CampaignStatus,
    to: CampaignStatus,
    action: CampaignAction,
    actor: Actor,
    at?: Date,
    why?: Record<string, unknown>,
  ): Promise<boolean> {
    const [, n] = await m.query(
      `UPDATE campaigns SET status = $3, updated_at = now(),
         approved_by = CASE WHEN $4 = 'approve' THEN $5 ELSE approved_by END,
         approved_at = CASE WHEN $4 = 'approve' THEN $7 ELSE approved_at END,
         scheduled_at = CASE WHEN $4 = 'schedule' THEN $6::timestamptz ELSE scheduled_at END,
         started_at = CASE WHEN $3 = 'running' THEN coalesce(started_at, $7) ELSE started_at END,
         completed_at = CASE WHEN $3 IN ('completed', 'cancelled') THEN $7 ELSE completed_at END
       WHERE id = $1 AND status = $2 AND ($4 <> 'approve' OR returned_at IS NULL)`,
      [id, from, to, action, actor.id ?? null, at ?? null, this.clock.now()],
    );
    if (!n) return false;
    await this.audit.record(m, actor, {
      action: `campaign.${action}`,
      targetType: 'campaign',
      targetId: id,
      summary: { from, to, ...(at ? { scheduledAt: at.toISOString() } : {}), ...why },
    });
    return true;
  }

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
  private async build(m: EntityManager, c: Campaign): Promise<BuiltRows> {
    const started = Date.now();
    const { sql, params } = await this.audienceSql(m, c);
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
  private async addJobs(id: string, rows: BuiltRows): Promise<void> {
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

  /** SQL selecting the campaign's audience (`subscriber_id`); an analysis-run audience is staged in `m`'s transaction. */
  private async audienceSql(m: EntityManager, c: Campaign): Promise<{ sql: string; params: unknown[] }> {
    const base = await this.baseAudienceSql(m, c);
    return c.excludeRecentRecipients ? this.awareness.excludeRecent(m, c, base) : base;
  }

  /** The audience as defined, before anyone is left out. */
  private async baseAudienceSql(m: EntityManager, c: Campaign): Promise<{ sql: string; params: unknown[] }> {
    if (c.audienceType === 'all_subscribers')
      return { sql: `SELECT id AS subscriber_id FROM subscribers`, params: [] };
    if (c.audienceType === 'csv')
      return { sql: `SELECT subscriber_id FROM campaign_audience WHERE campaign_id = $1`, params: [c.id] };
    if (!this.audiences) throw new InvalidInput('analysis audiences are not available');
    const table = await this.audiences.stageMatched(m, c.audienceRef!);
    return { sql: `SELECT subscriber_id FROM ${table}`, params: [] };
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
      const c = await m.findOneBy(Campaign, { id });
      if (!c) return 'none';
      const first =
        (
          await m.query(
            `INSERT INTO campaign_provider_alerts (campaign_id, code, alerted_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING RETURNING code`,
            [id, code, this.clock.now()],
          )
        ).length > 0;
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
    const due: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= $1`,
      [this.clock.now()],
    );
    for (const { id } of due)
      await this.act(id, 'begin', { type: 'system', id: 'scheduler' }).catch((e) =>
        this.logger.warn(`scheduled campaign ${id} did not start: ${e.message}`),
      );
  }

  /** Running campaigns with nothing left to send become completed. */
  async completeFinished(): Promise<void> {
    const done: Array<{ id: string }> = await this.db.query(
      `SELECT c.id FROM campaigns c WHERE c.status = 'running' AND NOT EXISTS (
         SELECT 1 FROM messages m WHERE m.campaign_id = c.id AND m.status IN ('pending', 'queued', 'sending'))`,
    );
    for (const { id } of done)
      await this.db.transaction((m) =>
        this.move(m, id, 'running', 'completed', 'complete', { type: 'system', id: 'dispatcher' }),
      );
  }

  /** Totals per state, rate over the last minute, ETA and failures by reason. */
  async progress(id: string) {
    const c = await this.get(id);
    const byStatus: Array<{ channel: string; status: string; n: number }> = await this.db.query(
      `SELECT channel, status, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [id],
    );
    const failures: Array<{ error_code: string; n: number }> = await this.db.query(
      `SELECT error_code, count(*)::int AS n FROM messages
       WHERE campaign_id = $1 AND status IN ('failed', 'undelivered', 'skipped') GROUP BY 1 ORDER BY 2 DESC`,
      [id],
    );
    const [{ last_minute }] = await this.db.query(
      `SELECT count(*)::int AS last_minute FROM messages WHERE campaign_id = $1 AND sent_at > now() - interval '1 minute'`,
      [id],
    );
    const totals: Record<string, number> = {};
    for (const r of byStatus) totals[r.status] = (totals[r.status] ?? 0) + r.n;
    const remaining = (totals.pending ?? 0) + (totals.queued ?? 0) + (totals.sending ?? 0);
    const ratePerSecond = last_minute / 60;
    const progress = {
      id: c.id,
      status: c.status,
      hold: this.hold(c, byStatus, remaining),
      build: c.buildReport,
      totals,
      byChannel: byStatus,
      failures: failures.map((f) => ({ reason: f.error_code, count: f.n })),
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
    byStatus: Array<{ channel: string; status: string; n: number }>,
    remaining: number,
  ): { reason: 'paused' | 'quiet_hours' | 'rate_limit'; until?: string; perSecond?: number } | null {
    if (c.status === 'paused') return { reason: 'paused' };
    if (c.status !== 'running' || remaining === 0) return null;
    const heldSms = byStatus.some((r) => r.channel === 'sms' && r.status === 'pending' && r.n > 0);
    const until = heldSms ? this.smsHeldUntil(c) : null;
    if (until) return { reason: 'quiet_hours', until: until.toISOString() };
    const n = this.config.notifications;
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
    await this.get(id);
    return csvExport(
      this.db,
      `SELECT m.id AS message_id, s.account_id, m.channel, m.locale, m.status, m.provider_id, m.error_code,
              m.to_address AS to_masked,
              to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sent_at,
              to_char(m.delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS delivered_at
       FROM messages m LEFT JOIN subscribers s ON s.id = m.subscriber_id
       WHERE m.campaign_id = $1 ORDER BY m.id`,
      [id],
      { to_masked: (to, row) => (row.channel === 'sms' ? mask(to) : maskEmail(to)) },
    );
  }
}
