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
import { AudienceSql, CampaignAudienceRepository } from './campaign-audience.repository';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignAwareness } from './campaign-awareness.service';
import { CampaignsService } from './campaigns.service';

/** A campaign's audience: a CSV upload kept per campaign, and the SQL that selects who it reaches. */
@Injectable()
export class CampaignAudience {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: CampaignAudienceRepository,
    private readonly campaignRows: CampaignsRepository,
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
      // Each batch re-checks the campaign under a share lock (issue 18, F5): an approval waits for the batch
      // in flight, and no batch lands once the campaign has left draft, so what was approved is what is sent.
      const n = await this.db.transaction(async (m) => {
        const status = await this.campaignRows.statusForShare(m, c.id);
        if (status !== 'draft')
          throw new Conflict(
            `the campaign became ${status ?? 'deleted'} while the audience was uploading; the rest was not added`,
          );
        // One statement: add the matches and count how many keys matched someone.
        return this.repo.addMatches(m, c.id, keys, byNumber);
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
  async sql(m: EntityManager, c: Campaign): Promise<AudienceSql> {
    const base = await this.baseSql(m, c);
    return c.excludeRecentRecipients ? this.awareness.excludeRecent(m, c, base) : base;
  }

  /** The audience as defined, before anyone is left out. */
  async baseSql(m: EntityManager, c: Campaign): Promise<AudienceSql> {
    if (c.audienceType !== 'analysis_run') return this.repo.base(c);
    if (!this.audiences) throw new InvalidInput('analysis audiences are not available');
    return this.repo.base(c, await this.audiences.stageMatched(m, c.audienceRef!));
  }
}
