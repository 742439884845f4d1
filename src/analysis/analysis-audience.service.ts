import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Conflict } from '../platform/http/domain-error';
import { AudiencePort } from '../subscribers/audience.port';
import { AnalysisResultsRepository } from './analysis-results.repository';
import { AnalysisSummaries } from './analysis-summaries.service';

/** The AudiencePort other modules build audiences from: a completed run's matched subscribers. */
@Injectable()
export class AnalysisAudience implements AudiencePort {
  constructor(
    private readonly summaries: AnalysisSummaries,
    private readonly results: AnalysisResultsRepository,
  ) {}

  /** The subscribers run `runId` matched, staged in the caller's transaction. */
  stageMatched(m: EntityManager, runId: string): Promise<string> {
    return this.results.stageMatched(m, runId);
  }

  /** An audience may only come from a run that finished: 404 for an unknown run, 409 for an unfinished one. */
  async exposureCounts(runId: string): Promise<{ people: number; records: number } | null> {
    const run = await this.summaries.summary(runId).catch(() => null);
    if (!run || run.status !== 'completed') return null;
    return { people: Number(run.distinctMsisdns ?? 0), records: Number(run.exposures ?? 0) };
  }

  async assertReady(runId: string): Promise<void> {
    const { status } = await this.summaries.summary(runId);
    if (status !== 'completed') throw new Conflict(`analysis run ${runId} is ${status}, not completed`);
  }
}
