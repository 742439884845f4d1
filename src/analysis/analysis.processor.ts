import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '../platform/config';
import { ConfigurableWorker } from '../platform/queue/worker-runner';
import { AnalysisRunTransitions } from './analysis-run-transitions';
import { ANALYSIS_FOLD_QUEUE, MatchesFolding } from './matches-folding.service';
import {
  ANALYSIS_CHECKSUM_QUEUE,
  ANALYSIS_QUEUE,
  ANALYSIS_TASK_QUEUE,
  AnalysisTasksService,
} from './analysis-tasks.service';

/**
 * A queued run's own jobs: `run` plans it into tasks and enqueues them, `finish` stores it once the last task
 * reported. Both are idempotent (a planned run is not planned again; a finished one is left alone), so a
 * redelivered job is harmless. A finish that failed its last attempt fails the run. The long lock covers a
 * finish whose partition sums keep the main thread busy.
 */
@Processor(ANALYSIS_QUEUE, { autorun: false, concurrency: 1, lockDuration: 120_000 })
export class AnalysisProcessor extends WorkerHost {
  constructor(
    private readonly tasks: AnalysisTasksService,
    private readonly transitions: AnalysisRunTransitions,
  ) {
    super();
  }

  async process(job: Job<{ runId: string }>): Promise<void> {
    try {
      if (job.name === 'finish') await this.tasks.finishRun(job.data.runId);
      else await this.tasks.plan(job.data.runId);
    } catch (e) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.transitions.fail(job.data.runId, e as Error);
      throw e;
    }
  }
}

/**
 * The tasks of queued runs, `ANALYSIS_WORKERS` at a time in each worker process (one scanner thread each, the
 * merge budget shared between them). A worker killed mid-task loses its lock; after the stalled-job check
 * (`QUEUE_STALLED_INTERVAL_MS`) another worker takes the task again and its output replaces what the dead one
 * may have left.
 */
@Processor(ANALYSIS_TASK_QUEUE, { autorun: false, maxStalledCount: 5 })
export class AnalysisTaskProcessor extends WorkerHost implements ConfigurableWorker {
  constructor(
    private readonly tasks: AnalysisTasksService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  workerOptions() {
    const a = this.config.analysis;
    return {
      concurrency: a.workers,
      stalledInterval: a.stalledIntervalMs,
      lockDuration: a.stalledIntervalMs,
    };
  }

  process(job: Job<{ runId: string; ord: number }>): Promise<void> {
    return this.tasks.runTask(job.data.runId, job.data.ord, 1 / this.config.analysis.workers);
  }
}

/**
 * The checksum tasks of queued runs, one at a time in each worker process (hashing is main-thread work), with
 * the task queue's short lock: a dead worker's checksum is taken again as soon as its scan tasks are.
 */
@Processor(ANALYSIS_CHECKSUM_QUEUE, { autorun: false, concurrency: 1, maxStalledCount: 5 })
export class AnalysisChecksumProcessor extends WorkerHost implements ConfigurableWorker {
  constructor(
    private readonly tasks: AnalysisTasksService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  workerOptions() {
    const a = this.config.analysis;
    return { stalledInterval: a.stalledIntervalMs, lockDuration: a.stalledIntervalMs };
  }

  process(job: Job<{ runId: string; ord: number }>): Promise<void> {
    return this.tasks.runTask(job.data.runId, job.data.ord);
  }
}

/** Folds older runs' tables of matches (MatchesFolding), one fold at a time. */
@Processor(ANALYSIS_FOLD_QUEUE, { autorun: false, concurrency: 1, lockDuration: 120_000 })
export class AnalysisFoldProcessor extends WorkerHost {
  constructor(private readonly folding: MatchesFolding) {
    super();
  }

  async process(): Promise<void> {
    await this.folding.fold();
  }
}
