import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { csvExport } from '../platform/database/copy-out';
import { LOCALES } from '../platform/locales';
import { mask, maskEmail } from '../platform/privacy';
import type { Campaign } from './campaign.entity';
import { AudienceSql, POLICY_SQL } from './campaign-audience.repository';

/** What a build wrote: how many rows, and the range of their ids (null when none). */
export interface BuiltRange {
  n: number;
  from: string | null;
  to: string | null;
}

export interface StatusCount {
  channel: string;
  status: string;
  n: number;
}

/** Waiting rows of one campaign, kind and locale, with the campaign's values (to estimate SMS segments). */
export interface WaitingGroup {
  kind: string;
  locale: string;
  vars: Record<string, string> | null;
  n: number;
}

/** A campaign's own rows, or other campaigns' (and one-off) rows queued before id `before` (any when null). */
export type WaitingScope = { own: string } | { otherThan: string; before: string | null };

/** The SQL of a campaign's outbox rows: the build, the cancel, progress counts and the outcomes export. */
@Injectable()
export class CampaignMessagesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The audience as outbox rows in one INSERT ... SELECT (see CampaignBuilder.build for the rules): rows
   * `queued` with their job's id, or `pending` when `holdSms` holds an SMS; ids drawn after sorting by channel.
   */
  async build(
    m: EntityManager,
    c: Campaign,
    a: AudienceSql,
    o: { holdSms: boolean; smsBatch: number; emailBatch: number },
  ): Promise<BuiltRange> {
    const p = a.params.length;
    const [built] = await m.query(
      `WITH audience AS (${a.sql}),
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
      [...a.params, c.id, c.kind, [...LOCALES], o.holdSms, o.smsBatch, o.emailBatch],
    );
    return built;
  }

  /** Cancels a campaign's rows not yet handed to a worker. */
  async cancelOpen(m: EntityManager, campaignId: string): Promise<void> {
    await m.query(
      `UPDATE messages SET status = 'cancelled', error_code = 'campaign_cancelled', vars = NULL, updated_at = now()
       WHERE campaign_id = $1 AND status IN ('pending', 'queued')`,
      [campaignId],
    );
  }

  countsByStatus(campaignId: string): Promise<StatusCount[]> {
    return this.db.query(
      `SELECT channel, status, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [campaignId],
    );
  }

  /** Rows that did not reach their recipient, by error code, most first. */
  failureCounts(campaignId: string): Promise<Array<{ errorCode: string; n: number }>> {
    return this.db.query(
      `SELECT error_code AS "errorCode", count(*)::int AS n FROM messages
       WHERE campaign_id = $1 AND status IN ('failed', 'undelivered', 'skipped') GROUP BY 1 ORDER BY 2 DESC`,
      [campaignId],
    );
  }

  async sentLastMinute(campaignId: string): Promise<number> {
    const [row] = await this.db.query(
      `SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND sent_at > now() - interval '1 minute'`,
      [campaignId],
    );
    return row.n;
  }

  /** The first queued row per channel (what other campaigns' rows must be ahead of). */
  firstQueued(campaignId: string): Promise<Array<{ channel: 'sms' | 'email'; first: string }>> {
    return this.db.query(
      `SELECT channel, min(id)::text AS first FROM messages WHERE campaign_id = $1 AND status = 'queued' GROUP BY 1`,
      [campaignId],
    );
  }

  /**
   * The channel's rows in `statuses` of `scope`, grouped by campaign, kind and locale.
   */
  waiting(ch: 'sms' | 'email', statuses: string[], scope: WaitingScope): Promise<WaitingGroup[]> {
    const [where, params] =
      'own' in scope
        ? ['m.campaign_id = $2::uuid', [scope.own]]
        : [
            'm.campaign_id IS DISTINCT FROM $2::uuid AND ($3::bigint IS NULL OR m.id < $3::bigint)',
            [scope.otherThan, scope.before],
          ];
    return this.db.query(
      `SELECT m.kind, m.locale, c.vars, count(*)::int AS n
       FROM messages m LEFT JOIN campaigns c ON c.id = m.campaign_id
       WHERE m.channel = $1 AND m.status = ANY($${params.length + 2}) AND ${where}
       GROUP BY m.campaign_id, m.kind, m.locale, c.vars`,
      [ch, ...params, statuses],
    );
  }

  /** Outcomes as CSV, streamed by COPY; numbers and emails masked (the file gets passed around). */
  outcomesCsv(campaignId: string): Readable {
    return csvExport(
      this.db,
      `SELECT m.id AS message_id, s.account_id, m.channel, m.locale, m.status, m.provider_id, m.error_code,
              m.to_address AS to_masked,
              to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sent_at,
              to_char(m.delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS delivered_at
       FROM messages m LEFT JOIN subscribers s ON s.id = m.subscriber_id
       WHERE m.campaign_id = $1 ORDER BY m.id`,
      [campaignId],
      { to_masked: (to, row) => (row.channel === 'sms' ? mask(to) : maskEmail(to)) },
    );
  }
}
