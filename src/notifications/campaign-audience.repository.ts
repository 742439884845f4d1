import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LOCALES } from '../platform/locales';
import type { Campaign } from './campaign.entity';

/** SQL selecting an audience's `subscriber_id`s, with its parameters (built here, run by the repositories). */
export interface AudienceSql {
  sql: string;
  params: unknown[];
}

/** Which (subscriber, channel) pairs a policy produces, as SQL over `t` (subscriber) and `ch.channel`. */
export const POLICY_SQL: Record<Campaign['channelPolicy'], string> = {
  sms: `ch.channel = 'sms'`,
  email: `ch.channel = 'email' AND t.email IS NOT NULL`,
  both: `ch.channel = 'sms' OR (ch.channel = 'email' AND t.email IS NOT NULL)`,
  sms_else_email: `(ch.channel = 'sms' AND NOT t.sms_opt_out) OR (ch.channel = 'email' AND t.sms_opt_out AND t.email IS NOT NULL)`,
  // Email now to everyone who can get one; the (slow, paced) SMS only to the rest.
  email_first: `(ch.channel = 'email' AND t.email IS NOT NULL AND NOT t.email_opt_out) OR (ch.channel = 'sms' AND (t.email IS NULL OR t.email_opt_out))`,
};

/** An earlier message counts as "already got it" unless it never reached (or never will reach) the person. */
const GOT_IT = `rm.status NOT IN ('failed', 'undelivered', 'skipped', 'cancelled')`;

/** Who an audience is made of and what it adds up to, before anything is sent. */
export interface AudienceReport {
  audience: number;
  withoutEmail: number;
  smsOptedOut: number;
}

/** The SQL of campaign audiences: the CSV upload's table, the audience selections and their counts. */
@Injectable()
export class CampaignAudienceRepository {
  /** Everyone, a campaign's uploaded CSV audience, or a table staged in the transaction (an analysis run). */
  base(c: Campaign, stagedTable?: string): AudienceSql {
    if (stagedTable) return { sql: `SELECT subscriber_id FROM ${stagedTable}`, params: [] };
    if (c.audienceType === 'all_subscribers')
      return { sql: `SELECT id AS subscriber_id FROM subscribers`, params: [] };
    return { sql: `SELECT subscriber_id FROM campaign_audience WHERE campaign_id = $1`, params: [c.id] };
  }

  /** `base` without those who already got a message of one of `campaignIds`. */
  excluding(base: AudienceSql, campaignIds: string[]): AudienceSql {
    const p = base.params.length + 1;
    return {
      sql: `SELECT a.subscriber_id FROM (${base.sql}) a WHERE NOT EXISTS (
              SELECT 1 FROM messages rm WHERE rm.campaign_id = ANY($${p}::uuid[])
                AND rm.subscriber_id = a.subscriber_id AND ${GOT_IT})`,
      params: [...base.params, campaignIds],
    };
  }

  /** How many of `base` already got a message of one of `campaignIds`. */
  async countReached(m: EntityManager, base: AudienceSql, campaignIds: string[]): Promise<number> {
    const p = base.params.length + 1;
    const [row] = await m.query(
      `SELECT count(DISTINCT a.subscriber_id)::int AS n FROM (${base.sql}) a WHERE EXISTS (
         SELECT 1 FROM messages rm WHERE rm.campaign_id = ANY($${p}::uuid[])
           AND rm.subscriber_id = a.subscriber_id AND ${GOT_IT})`,
      [...base.params, campaignIds],
    );
    return row.n;
  }

  /**
   * Adds the subscribers matching `keys` (account ids, or number HMACs `byNumber`) to a campaign's CSV
   * audience in one statement; answers how many keys matched someone.
   */
  async addMatches(m: EntityManager, campaignId: string, keys: string[], byNumber: boolean): Promise<number> {
    const key = byNumber ? 's.msisdn_hmac' : 's.account_id';
    const [hit] = await m.query(
      `WITH k AS (SELECT unnest($2::text[]) AS k),
            hits AS (SELECT k.k, s.id FROM k JOIN subscribers s ON ${key} = k.k),
            ins AS (INSERT INTO campaign_audience (campaign_id, subscriber_id)
                    SELECT DISTINCT $1::uuid, id FROM hits ON CONFLICT DO NOTHING)
       SELECT count(*)::int AS n FROM hits`,
      [campaignId, keys],
    );
    return hit.n;
  }

  /** The audience's size, and how many have no email or opted out of SMS. */
  async report(m: EntityManager, a: AudienceSql): Promise<AudienceReport> {
    const [row] = await m.query(
      `WITH audience AS (${a.sql}) SELECT count(*)::int AS audience,
         count(*) FILTER (WHERE s.email IS NULL)::int AS "withoutEmail",
         count(*) FILTER (WHERE s.sms_opt_out)::int AS "smsOptedOut"
       FROM subscribers s JOIN audience a ON a.subscriber_id = s.id`,
      a.params,
    );
    return row;
  }

  /** The messages a policy would make of the audience, per channel and locale (unknown locales as `en`). */
  async countsByChannel(
    m: EntityManager,
    a: AudienceSql,
    policy: Campaign['channelPolicy'],
  ): Promise<Array<{ channel: string; locale: string; n: number }>> {
    const rows: Array<{ channel: string; locale: string; n: string }> = await m.query(
      `WITH audience AS (${a.sql}), t AS (SELECT s.* FROM subscribers s JOIN audience a ON a.subscriber_id = s.id)
       SELECT ch.channel, CASE WHEN t.locale = ANY($${a.params.length + 1}) THEN t.locale ELSE 'en' END AS locale,
              count(*) AS n
       FROM t CROSS JOIN (VALUES ('sms'), ('email')) ch(channel)
       WHERE ${POLICY_SQL[policy]} GROUP BY 1, 2 ORDER BY 1, 2`,
      [...a.params, [...LOCALES]],
    );
    return rows.map((r) => ({ channel: r.channel, locale: r.locale, n: Number(r.n) }));
  }
}
