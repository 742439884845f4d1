import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../platform/http/actor';
import { NotFound } from '../platform/http/domain-error';
import { AnalysisResultsRepository, SubscriberExposure } from './analysis-results.repository';
import { AnalysisRunsRepository } from './analysis-runs.repository';

/** The people a run matched, as staff read them: every look at the list or export is audited. */
@Injectable()
export class AnalysisResults {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly runs: AnalysisRunsRepository,
    private readonly results: AnalysisResultsRepository,
  ) {}

  private async resultRunId(runId: string): Promise<string> {
    const id = await this.runs.resultRunId(runId);
    if (id === null) throw new NotFound('no such analysis run');
    return id;
  }

  /** Matched subscribers, keyset-paged by subscriber id, with the viewing audited (it lists people). */
  async subscribers(
    runId: string,
    page: { after?: string; limit?: number },
    actor: Actor,
  ): Promise<{ items: SubscriberExposure[]; nextAfter: string | null }> {
    const id = await this.resultRunId(runId);
    const limit = page.limit ?? 100;
    return this.db.transaction(async (m) => {
      const rows = await this.results.matchedPage(m, id, page.after ?? null, limit + 1);
      await this.audit.record(m, actor, {
        action: 'analysis.subscribers_viewed',
        targetType: 'analysis_run',
        targetId: runId,
        summary: { after: page.after ?? null, count: Math.min(rows.length, limit) },
      });
      const items = rows.slice(0, limit);
      return { items, nextAfter: rows.length > limit ? items[items.length - 1].subscriberId : null };
    });
  }

  /** CSV of the matched subscribers (no phone numbers), streamed; the export is audited first. */
  async exportCsv(runId: string, actor: Actor): Promise<Readable> {
    const id = await this.resultRunId(runId);
    await this.db.transaction((m) =>
      this.audit.record(m, actor, {
        action: 'analysis.exported',
        targetType: 'analysis_run',
        targetId: runId,
      }),
    );
    return this.results.exportCsv(id);
  }
}
