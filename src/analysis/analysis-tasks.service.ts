import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { AppConfig } from '../platform/config';
import { AnalysisFile } from './analysis-file.entity';
import { sha256File } from './analysis-input';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisRunner, inputFiles, scanInto, scanSettings } from './analysis-runner.service';
import { ExposureMerger } from './exposure-aggregator';
import { LogFormat } from './formats';
import { TaskProgress } from './report';
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

interface TaskRow {
  run_id: string;
  ord: number;
  kind: 'scan' | 'checksum';
  file_ord: number;
  path: string;
  format: string;
  gzip: boolean;
  start_byte: string;
  end_byte: string;
}

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
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(ANALYSIS_QUEUE) private readonly runs: Queue,
    @InjectQueue(ANALYSIS_TASK_QUEUE) private readonly tasks: Queue,
    @InjectQueue(ANALYSIS_CHECKSUM_QUEUE) private readonly checksums: Queue,
    private readonly config: AppConfig,
    private readonly runner: AnalysisRunner,
    private readonly finisher: RunFinisher,
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
    const [claimed] = await this.db.query(
      `UPDATE analysis_runs SET status = 'running', started_at = COALESCE(started_at, now())
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [runId],
    );
    if (!claimed.length) return;
    const planned = await this.db.query(`SELECT 1 FROM analysis_tasks WHERE run_id = $1 LIMIT 1`, [runId]);
    if (!planned.length) {
      await this.runner.clearPartial(runId);
      const files = await this.db
        .getRepository(AnalysisFile)
        .find({ where: { runId }, order: { ord: 'ASC' } });
      const ordOf = new Map(files.map((f) => [f.path, f.ord]));
      // tasks of ANALYSIS_TASK_MB: large enough that a task's partial totals stay few (a number seen in
      // two tasks is spilled twice), small enough to spread a file over every worker
      const scans = planTasks(inputFiles(files), this.config.analysis.taskMb << 20);
      const rows = [
        ...files.map((f) => ({
          kind: 'checksum',
          file: f.ord,
          path: f.path,
          format: f.format,
          gzip: f.gzip,
          start: 0,
          end: f.size,
        })),
        ...scans.map((t) => ({
          kind: 'scan',
          file: ordOf.get(t.path)!,
          path: t.path,
          format: t.format,
          gzip: t.gzip,
          start: t.start,
          end: t.end,
        })),
      ];
      await this.db.query(
        `INSERT INTO analysis_tasks (run_id, ord, kind, file_ord, path, format, gzip, start_byte, end_byte)
         SELECT $1, ord, kind, file, path, format, gzip, start_byte, end_byte
         FROM jsonb_to_recordset($2::jsonb)
           AS t(ord int, kind text, file int, path text, format text, gzip boolean, start_byte bigint, end_byte bigint)
         ON CONFLICT DO NOTHING`,
        [runId, JSON.stringify(rows.map((r, ord) => ({ ...r, ord, start_byte: r.start, end_byte: r.end })))],
      );
    }
    const open: { ord: number; kind: string }[] = await this.db.query(
      `SELECT ord, kind FROM analysis_tasks WHERE run_id = $1 AND status <> 'done' ORDER BY ord`,
      [runId],
    );
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
    const [claimed]: [TaskRow[]] = await this.db.query(
      `UPDATE analysis_tasks t SET status = 'running', attempts = attempts + 1, worker = $3, started_at = now(), bytes_done = 0
       FROM analysis_runs r
       WHERE t.run_id = $1 AND t.ord = $2 AND t.status IN ('queued', 'running') AND r.id = t.run_id AND r.status = 'running'
       RETURNING t.*`,
      [runId, ord, `${hostname()}:${process.pid}`],
    );
    const task = claimed[0];
    if (!task) return;
    try {
      const counts =
        task.kind === 'checksum' ? await this.checksum(task) : await this.scan(task, memoryShare);
      await this.db.query(
        `UPDATE analysis_tasks SET status = 'done', counts = $3, bytes_done = end_byte - start_byte, finished_at = now()
         WHERE run_id = $1 AND ord = $2`,
        [runId, ord, counts && JSON.stringify(counts)],
      );
      await this.saveProgress(runId);
      await this.finishWhenDone(runId);
    } catch (e) {
      await this.db.query(`UPDATE analysis_tasks SET status = 'failed' WHERE run_id = $1 AND ord = $2`, [
        runId,
        ord,
      ]);
      // an input that cannot be read fails the same way on any worker: the run fails now
      removeRunSpill(this.runner.runDir(runId));
      await this.runner.markFailed(runId, e as Error);
      throw e;
    }
  }

  private async checksum(task: TaskRow): Promise<null> {
    const sha256 = await sha256File(task.path);
    await this.db.query(`UPDATE analysis_files SET sha256 = $3 WHERE run_id = $1 AND ord = $2`, [
      task.run_id,
      task.file_ord,
      sha256,
    ]);
    return null;
  }

  private async scan(task: TaskRow, memoryShare: number): Promise<ScanCounts> {
    const run = await this.db.getRepository(AnalysisRun).findOneByOrFail({ id: task.run_id });
    const runDir = this.runner.runDir(task.run_id);
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
            start: Number(task.start_byte),
            end: Number(task.end_byte),
          },
        ],
        scanSettings(run),
        1,
        merger,
        work,
        (bytes) => {
          done += bytes;
          if (Date.now() - lastSave < 1000) return;
          lastSave = Date.now();
          void this.db
            .query(`UPDATE analysis_tasks SET bytes_done = $3 WHERE run_id = $1 AND ord = $2`, [
              task.run_id,
              task.ord,
              done,
            ])
            .then(() => this.saveProgress(task.run_id))
            .catch(() => undefined);
        },
        true,
      );
      commitTask(runDir, taskName(task.ord), work);
      return counts;
    } catch (e) {
      removeRunSpill(work);
      throw e;
    }
  }

  /** The run's bytes done: the sum of its scan tasks'. */
  private async saveProgress(runId: string): Promise<void> {
    await this.db.query(
      `UPDATE analysis_runs SET bytes_done = LEAST(bytes_total, (SELECT COALESCE(sum(bytes_done), 0)
         FROM analysis_tasks WHERE run_id = $1 AND kind = 'scan')) WHERE id = $1`,
      [runId],
    );
  }

  /** Enqueues the run's finish once every task has reported (whoever sees that last; one job whoever adds it). */
  private async finishWhenDone(runId: string): Promise<void> {
    const [{ open }] = await this.db.query(
      `SELECT count(*) FILTER (WHERE status <> 'done')::int AS open FROM analysis_tasks WHERE run_id = $1`,
      [runId],
    );
    if (open === 0)
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
    const run = await this.db.getRepository(AnalysisRun).findOneBy({ id: runId });
    if (!run || run.status !== 'running') return;
    const runDir = this.runner.runDir(runId);
    try {
      // in file order (file, then offset): the malformed samples kept are the first ones, as in one process
      const tasks: { ord: number; kind: string; counts: ScanCounts | null; status: string; ms: number }[] =
        await this.db.query(
          `SELECT ord, kind, counts, status,
                  (extract(epoch FROM finished_at - started_at) * 1000)::int AS ms
           FROM analysis_tasks WHERE run_id = $1 ORDER BY file_ord, start_byte, ord`,
          [runId],
        );
      if (tasks.some((t) => t.status !== 'done')) return; // not yet: the last task enqueues this again
      const files = await this.db
        .getRepository(AnalysisFile)
        .find({ where: { runId }, order: { ord: 'ASC' } });
      const [{ scan_ms: scanMs }] = await this.db.query(
        `SELECT (extract(epoch FROM now() - started_at) * 1000)::int AS scan_ms FROM analysis_runs WHERE id = $1`,
        [runId],
      );
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

  /** Each task's progress, for the run's summary. */
  async progress(runId: string): Promise<TaskProgress[]> {
    const rows = await this.db.query(
      `SELECT ord, kind, file_ord, start_byte, end_byte, status, attempts, bytes_done
       FROM analysis_tasks WHERE run_id = $1 ORDER BY ord`,
      [runId],
    );
    return rows.map((r: any) => ({
      task: r.ord,
      kind: r.kind,
      file: r.file_ord,
      start: Number(r.start_byte),
      end: Number(r.end_byte),
      status: r.status,
      attempts: r.attempts,
      bytesDone: Number(r.bytes_done),
    }));
  }
}
