import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../platform/config';
import { AnalysisInputError, inspectFile } from './analysis-input';
import { AnalysisRunner, ProgressFn } from './analysis-runner.service';
import { AnalysisRunsRepository } from './analysis-runs.repository';
import { AnalysisSummaries } from './analysis-summaries.service';
import { AnalysisTasksService } from './analysis-tasks.service';
import { AnalysisRun, RunOptions } from './analysis-run.entity';
import { normalisePartner } from './detection';
import { LogFormat } from './formats';
import { RunSummary } from './report';
import { InputFile } from './scan-plan';

export interface AnalysisRequest {
  files: string[];
  from: Date;
  to: Date;
  partners?: string[];
  incidentId?: string | null;
  format?: LogFormat;
  squidLogformat?: string;
}

/** A run's start: checked inputs recorded and audited, then run here or queued for the worker processes. */
@Injectable()
export class AnalysisService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly runs: AnalysisRunsRepository,
    private readonly runner: AnalysisRunner,
    private readonly tasks: AnalysisTasksService,
    private readonly summaries: AnalysisSummaries,
  ) {}

  /**
   * Checks the inputs and records a queued run with its manifest, audited in the same transaction.
   * Input problems (missing file, not a log, bad window) throw AnalysisInputError.
   */
  async create(req: AnalysisRequest, actor: Actor): Promise<AnalysisRun> {
    if (!req.files.length) throw new AnalysisInputError('no input files');
    if (!(req.from.getTime() < req.to.getTime())) throw new AnalysisInputError('from must be before to');
    let partners: string[];
    try {
      partners = [...new Set((req.partners ?? []).map(normalisePartner))].sort();
    } catch (e) {
      throw new AnalysisInputError((e as Error).message);
    }
    const files: InputFile[] = [];
    for (const f of req.files) files.push(await inspectFile(f, req.format));
    const options: RunOptions = {
      format: req.format,
      squidLogformat: req.squidLogformat,
      allowlist: this.config.analysis.headerAllowlist,
      country: this.config.privacy.defaultCountry,
    };
    return this.db.transaction(async (m) => {
      const run = await this.runs.insert(
        m,
        {
          status: 'queued',
          incidentId: req.incidentId ?? null,
          windowFrom: req.from,
          windowTo: req.to,
          partners,
          options,
          bytesTotal: files.reduce((n, f) => n + f.size, 0),
          createdBy: actor.id ?? null,
        },
        files.map((f) => ({ path: f.path, size: f.size, format: f.format, gzip: f.gzip })),
      );
      await this.audit.record(m, actor, {
        action: 'analysis.started',
        targetType: 'analysis_run',
        targetId: run.id,
        summary: {
          files: files.length,
          bytes: run.bytesTotal,
          from: req.from,
          to: req.to,
          partners,
          incidentId: req.incidentId,
        },
      });
      return run;
    });
  }

  /** Creates a run and queues it, to be spread over the worker processes as tasks (`POST /analyses`). */
  async start(req: AnalysisRequest, actor: Actor): Promise<AnalysisRun> {
    const run = await this.create(req, actor);
    await this.tasks.enqueue(run.id);
    return run;
  }

  /**
   * Creates a run, queues it for the worker processes (any number, on any machine sharing the files and
   * ANALYSIS_SPILL_DIR) and waits for it to end (`analyze --distributed`); returns its summary.
   */
  async analyzeOnWorkers(req: AnalysisRequest, actor: Actor, onProgress?: ProgressFn): Promise<RunSummary> {
    const run = await this.start(req, actor);
    for (;;) {
      const s = await this.summaries.summary(run.id);
      onProgress?.(s.progress.bytesDone, s.progress.bytesTotal, s.linesRead);
      if (s.status === 'failed') throw new Error(`analysis ${run.id} failed: ${s.error}`);
      if (s.status !== 'queued' && s.status !== 'running') return s;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Creates and executes a run in this process (CLI, demo); returns its summary. */
  async analyze(req: AnalysisRequest, actor: Actor, onProgress?: ProgressFn): Promise<RunSummary> {
    const run = await this.create(req, actor);
    await this.runner.execute(run.id, onProgress);
    return this.summaries.summary(run.id);
  }
}
