import { Injectable } from '@nestjs/common';
import { NotFound } from '../platform/http/domain-error';
import { AnalysisInputs } from './analysis-inputs.service';
import { AnalysisRunsRepository } from './analysis-runs.repository';
import { AnalysisTasksRepository } from './analysis-tasks.repository';
import { RunSummary } from './report';

/** The runs as every surface reads them (API, console, CLI, report). */
@Injectable()
export class AnalysisSummaries {
  constructor(
    private readonly runs: AnalysisRunsRepository,
    private readonly tasks: AnalysisTasksRepository,
    private readonly inputs: AnalysisInputs,
  ) {}

  async list(limit = 50): Promise<RunSummary[]> {
    const runs = await this.runs.latest(limit);
    return Promise.all(runs.map((r) => this.summary(r.id)));
  }

  /** The run's summary; for a duplicate, the original's results under the duplicate's id. */
  async summary(runId: string): Promise<RunSummary> {
    const asked = await this.runs.find(runId);
    if (!asked) throw new NotFound('no such analysis run');
    const run = asked.duplicateOf ? await this.runs.findOrFail(asked.duplicateOf) : asked;
    const files = await this.runs.files(asked.id);
    return {
      runId: asked.id,
      status: asked.status === 'duplicate' ? run.status : asked.status,
      ...(asked.duplicateOf ? { reusedRunId: run.id } : {}),
      incidentId: asked.incidentId,
      window: { from: asked.windowFrom.toISOString(), to: asked.windowTo.toISOString() },
      partners: asked.partners,
      files: files.map((f) => ({
        path: this.inputs.displayPath(f.path),
        size: f.size,
        sha256: f.sha256,
        format: f.format,
        gzip: f.gzip,
      })),
      linesRead: run.linesRead,
      linesMalformed: run.linesMalformed,
      exposures: run.exposures,
      partnerExposures: run.partnerExposures,
      invalidValues: run.invalidValues,
      distinctMsisdns: run.distinctMsisdns,
      matchedSubscribers: run.matchedSubscribers,
      unmatchedMsisdns: run.unmatchedMsisdns,
      firstSeen: run.firstSeen?.toISOString() ?? null,
      lastSeen: run.lastSeen?.toISOString() ?? null,
      topHosts: run.topHosts,
      excluded: run.excluded,
      partnerHosts: run.partnerHosts,
      hours: run.hours,
      malformedSamples: run.malformedSamples,
      progress: {
        bytesDone: asked.bytesDone,
        bytesTotal: asked.bytesTotal,
        tasks: await this.tasks.progress(asked.id),
      },
      timings: run.timings,
      error: asked.error,
      createdAt: asked.createdAt.toISOString(),
      finishedAt: asked.finishedAt?.toISOString() ?? null,
    };
  }
}
