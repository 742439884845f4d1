import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../platform/http/actor';
import { Conflict, InvalidInput } from '../platform/http/domain-error';
import { mask } from '../platform/privacy';
import { csvRows } from '../platform/streams/csv-rows';
import { AudiencePort } from '../subscribers/audience.port';
import { SubscribersService } from '../subscribers/subscribers.service';
import { Campaign } from './campaign.entity';
import { CampaignAwareness } from './campaign-awareness.service';
import { CampaignsService } from './campaigns.service';

/** Which (subscriber, channel) pairs a policy produces, as SQL over `t` (subscriber) and `ch.channel`. */
export const POLICY_SQL: Record<Campaign['channelPolicy'], string> = {
  sms: `ch.channel = 'sms'`,
  email: `ch.channel = 'email' AND t.email IS NOT NULL`,
  both: `ch.channel = 'sms' OR (ch.channel = 'email' AND t.email IS NOT NULL)`,
  sms_else_email: `(ch.channel = 'sms' AND NOT t.sms_opt_out) OR (ch.channel = 'email' AND t.sms_opt_out AND t.email IS NOT NULL)`,
  // Email now to everyone who can get one; the (slow, paced) SMS only to the rest.
  email_first: `(ch.channel = 'email' AND t.email IS NOT NULL AND NOT t.email_opt_out) OR (ch.channel = 'sms' AND (t.email IS NULL OR t.email_opt_out))`,
};

/** A campaign's audience: a CSV upload kept per campaign, and the SQL that selects who it reaches. */
@Injectable()
export class CampaignAudience {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly campaigns: CampaignsService,
    private readonly subscribers: SubscribersService,
    private readonly audit: AuditService,
    private readonly awareness: CampaignAwareness,
    @Optional() private readonly audiences?: AudiencePort,
  ) {}

  /** Adds a CSV audience (a column account_id or msisdn), streamed in batches; reports what did not match. */
  async upload(id: string, csv: Readable, actor: Actor) {
    const c = await this.campaigns.get(id);
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

  /** SQL selecting the campaign's audience (`subscriber_id`); an analysis-run audience is staged in `m`'s transaction. */
  async sql(m: EntityManager, c: Campaign): Promise<{ sql: string; params: unknown[] }> {
    const base = await this.baseSql(m, c);
    return c.excludeRecentRecipients ? this.awareness.excludeRecent(m, c, base) : base;
  }

  /** The audience as defined, before anyone is left out. */
  async baseSql(m: EntityManager, c: Campaign): Promise<{ sql: string; params: unknown[] }> {
    if (c.audienceType === 'all_subscribers')
      return { sql: `SELECT id AS subscriber_id FROM subscribers`, params: [] };
    if (c.audienceType === 'csv')
      return { sql: `SELECT subscriber_id FROM campaign_audience WHERE campaign_id = $1`, params: [c.id] };
    if (!this.audiences) throw new InvalidInput('analysis audiences are not available');
    const table = await this.audiences.stageMatched(m, c.audienceRef!);
    return { sql: `SELECT subscriber_id FROM ${table}`, params: [] };
  }
}
