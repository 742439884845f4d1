import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AppConfig } from '../platform/config';
import { sha256File } from './file-checksum';
import { AnalysisRunTransitions } from './analysis-run-transitions';
import { AnalysisRunsRepository } from './analysis-runs.repository';
import { AnalysisRunner, inputFiles, scanInto, scanSettings } from './analysis-runner.service';
import { ExposureMerger } from './exposure-aggregator';
import { LogFormat } from './formats';
import { AnalysisTasksRepository, ClaimedTask, PlannedTask } from './analysis-tasks.repository';
import { RunFinisher } from './run-finisher';
import { planTasks } from './scan-plan';
import { emptyCounts, mergeCounts, ScanCounts } from './scan-task';
import { commitTask, removeRunSpill, runSegments, taskWorkDir } from './spill-files';

export const ANALYSIS_QUEUE = 'analysis';
export const ANALYSIS_TASK_QUEUE = 'analysis-tasks';
/** A file's checksum: its own queue, so that a dead worker's checksum is taken again as soon as a scan task's. */
export const ANALYSIS_CHECKSUM_QUEUE = 'analysis-checksums';

/** A task's job: `runId.ord` (BullMQ ids may not contain `:`); a job added twice is one job. */
const taskJobId = (runId: string, ord: number) => `${runId}.${ord}`;
const taskName = (ord: number) => `t${ord}`;

/**
 * One run across many worker processes (issue 20). The run's job plans it into tasks (a file's checksum; a
 * whole file, or a byte range of a plain Squid/JSONL file) recorded as rows and enqueued as jobs that any
 * worker process on any machine with the same storage takes. A scan task merges its own exposures and
 * writes them, summed per (number, host), as spill files under its task name, committed by a rename (a
 * retried task replaces its output); its counts go to its row, replaced, never added. The task that reports
 * last enqueues the run's finish, which sums the counts and the files and stores the results.
 */
@Injectable()
export class AnalysisTasksService {
  private readonly log = new Logger(AnalysisTasksService.name);

  constructor(
    @InjectQueue(ANALYSIS_QUEUE) private readonly runs: Queue,
    @InjectQueue(ANALYSIS_TASK_QUEUE) private readonly tasks: Queue,
    @InjectQueue(ANALYSIS_CHECKSUM_QUEUE) private readonly checksums: Queue,
    private readonly config: AppConfig,
    private readonly runner: AnalysisRunner,
    private readonly finisher: RunFinisher,
    private readonly runRows: AnalysisRunsRepository,
    private readonly taskRows: AnalysisTasksRepository,
    private readonly transitions: AnalysisRunTransitions,
  ) {}

  /** Queues a recorded run (`POST /analyses`, `analyze --distributed`). */
  async enqueue(runId: string): Promise<void> {
    await this.runs.add(
      'run',
      { runId },
      { jobId: runId, attempts: 3, backoff: 2000, removeOnComplete: true },
    );
  }

  /**
   * Plans a queued run into tasks and enqueues them. Idempotent: planned tasks are planned once (a redelivered
   * job enqueues the unfinished ones again; a job added twice is one job).
   */
  async plan(runId: string): Promise<void> {
    if (!(await this.transitions.claim(runId, false))) return;
    if (!(await this.taskRows.isPlanned(runId))) {
      await this.runner.clearPartial(runId);
      const files = await this.runRows.files(runId);
      const ordOf = new Map(files.map((f) => [f.path, f.ord]));
      // tasks of ANALYSIS_TASK_MB: large enough that a task's partial totals stay few (a number seen in
      // two tasks is spilled twice), small enough to spread a file over every worker
      const scans = planTasks(inputFiles(files), this.config.analysis.taskMb << 20);
      const rows: PlannedTask[] = [
        ...files.map((f) => ({
          kind: 'checksum' as const,
          file: f.ord,
          path: f.path,
          format: f.format,
          gzip: f.gzip,
          start: 0,
          end: f.size,
        })),
        ...scans.map((t) => ({
          kind: 'scan' as const,
          file: ordOf.get(t.path)!,
          path: t.path,
          format: t.format,
          gzip: t.gzip,
          start: t.start,
          end: t.end,
        })),
      ];
      await this.taskRows.insertPlan(runId, rows);
    }
    const open = await this.taskRows.open(runId);
    if (!open.length) return this.finishWhenDone(runId);
    // Checksums have their own queue (one at a time per process, beside its scan tasks): hashing is the main
    // thread's work, as in one process, where it runs alongside the scanner threads. On the task queue a
    // checksum would take a scan task's place, and on one worker delay every scan by the file's hashing; on
    // the run queue (whose long lock covers a finish) a dead worker's checksum waited minutes to be retaken.
    const job = ({ ord }: { ord: number }) => ({
      name: 'task',
      data: { runId, ord },
      opts: { jobId: taskJobId(runId, ord), removeOnComplete: true, removeOnFail: 1000 },
    });
    await this.checksums.addBulk(
      open.filter((t) => t.kind === 'checksum').map((t) => ({ ...job(t), name: 'checksum' })),
    );
    await this.tasks.addBulk(open.filter((t) => t.kind === 'scan').map(job));
  }

  /**
   * Runs one task in this process. Its output replaces any earlier attempt's: the counts are set, not added,
   * and its spill directory is committed by a rename. A task of a run that failed or finished is skipped.
   */
  async runTask(runId: string, ord: number, memoryShare = 1): Promise<void> {
    const task = await this.taskRows.claim(runId, ord, `${hostname()}:${process.pid}`);
    if (!task) return;
    try {
      const counts =
        task.kind === 'checksum' ? await this.checksum(task) : await this.scan(task, memoryShare);
      await this.taskRows.markDone(runId, ord, counts);
      await this.taskRows.rollUpProgress(runId);
      await this.finishWhenDone(runId);
    } catch (e) {
      await this.taskRows.markFailed(runId, ord);
      // an input that cannot be read fails the same way on any worker: the run fails now
      removeRunSpill(this.runner.runDir(runId));
      await this.transitions.fail(runId, e as Error);
      throw e;
    }
  }

  private async checksum(task: ClaimedTask): Promise<null> {
    await this.runRows.setChecksum(task.runId, task.file, await sha256File(task.path));
    return null;
  }

  private async scan(task: ClaimedTask, memoryShare: number): Promise<ScanCounts> {
    const run = await this.runRows.findOrFail(task.runId);
    const runDir = this.runner.runDir(task.runId);
    const work = taskWorkDir(runDir, taskName(task.ord), randomBytes(6).toString('hex'));
    // the process's merge budget is shared by the tasks it runs at once
    const merger = new ExposureMerger(Math.floor((this.config.analysis.mergeBudgetMb << 20) * memoryShare));
    let done = 0;
    let lastSave = Date.now();
    try {
      const { counts } = await scanInto(
        [
          {
            path: task.path,
            format: task.format as LogFormat,
            gzip: task.gzip,
            start: task.start,
            end: task.end,
          },
        ],
        scanSettings(run, this.config.analysis.native),
        1,
        merger,
        work,
        (bytes) => {
          done += bytes;
          if (Date.now() - lastSave < 1000) return;
          lastSave = Date.now();
          void this.taskRows
            .saveBytesDone(task.runId, task.ord, done)
            .then(() => this.taskRows.rollUpProgress(task.runId))
            .catch(() => undefined);
        },
        true,
        true, // a task always spills: its scanner partitions the exposures itself, no merge here
      );
      commitTask(runDir, taskName(task.ord), work);
      return counts;
    } catch (e) {
      removeRunSpill(work);
      throw e;
    }
  }

  /** Enqueues the run's finish once every task has reported (whoever sees that last; one job whoever adds it). */
  private async finishWhenDone(runId: string): Promise<void> {
    if ((await this.taskRows.openCount(runId)) === 0)
      await this.runs.add(
        'finish',
        { runId },
        { jobId: `${runId}.finish`, attempts: 3, backoff: 2000, removeOnComplete: true },
      );
  }

  /**
   * Stores a run whose tasks are all done: claims its key (a duplicate of a live run is marked so and its
   * output discarded), adds the tasks' counts in task order, sums the spill files partition by partition.
   */
  async finishRun(runId: string): Promise<void> {
    const run = await this.runRows.find(runId);
    if (!run || run.status !== 'running') return;
    const runDir = this.runner.runDir(runId);
    try {
      // in file order (file, then offset): the malformed samples kept are the first ones, as in one process
      const tasks = await this.taskRows.forFinish(runId);
      if (tasks.some((t) => t.status !== 'done')) return; // not yet: the last task enqueues this again
      const files = await this.runRows.files(runId);
      const scanMs = await this.runRows.msSinceStart(runId);
      const finishStarted = Date.now();
      if (await this.runner.claimKey(run, files)) return await this.runner.clearPartial(runId);
      const counts = emptyCounts();
      const scans = tasks.filter((t) => t.kind === 'scan');
      for (const t of scans) mergeCounts(counts, t.counts!);
      const checksumMs = tasks.filter((t) => t.kind === 'checksum').reduce((n, t) => n + t.ms, 0);
      await this.finisher.finish(
        run,
        counts,
        {
          merger: new ExposureMerger(this.config.analysis.mergeBudgetMb << 20),
          spill: runSegments(
            runDir,
            scans.map((t) => taskName(t.ord)),
          ),
        },
        { checksumMs, scanMs, finishStarted },
      );
      removeRunSpill(runDir);
    } catch (e) {
      this.log.error(`analysis ${runId}: finish failed: ${(e as Error).message}`);
      throw e;
    }
  }
}
