import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../platform/config';
import { mobilePlan } from '../platform/privacy/mobile-number';
import { AnalysisFile } from './analysis-file.entity';
import { sha256File } from './file-checksum';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisRunTransitions } from './analysis-run-transitions';
import { RunFinishRepository } from './run-finish.repository';
import { AnalysisRunsRepository } from './analysis-runs.repository';
import { ExposureBatch, ExposureMerger } from './exposure-aggregator';
import { LogFormat } from './formats';
import { RunFinisher, ScanOutput } from './run-finisher';
import { runScanPool } from './scan-pool';
import { InputFile, planScan, ScanTask } from './scan-plan';
import { ScanCounts, ScanSettings } from './scan-task';
import { commitTask, removeRunSpill, runSegments, SpillWriter, taskWorkDir } from './spill-files';

/** Bytes done of total, and lines read so far. */
export type ProgressFn = (bytesDone: number, bytesTotal: number, lines: number) => void;

/** The scanners' settings for a run (plain data: they go to worker threads). */
export function scanSettings(run: AnalysisRun, native: boolean): ScanSettings {
  return {
    mobile: mobilePlan(run.options.country),
    allowlist: run.options.allowlist,
    squidLogformat: run.options.squidLogformat,
    from: run.windowFrom.getTime(),
    to: run.windowTo.getTime(),
    partners: run.partners,
    batchSize: 32_768, // 640 KB of typed arrays
    native,
  };
}

export function inputFiles(files: AnalysisFile[]): InputFile[] {
  return files.map((f) => ({
    path: f.path,
    size: f.size,
    gzip: f.gzip,
    format: f.format as LogFormat | 'empty',
  }));
}

/**
 * Scans tasks in worker threads and merges their exposures here, per (number, host), in one merger. When the
 * merge outgrows its memory budget, everything held is spilled to partitioned files (spill-files.ts) and the
 * merger starts empty; the finish then sums the files partition by partition. Batches are merged one after
 * another; while a spill is written the next wait, and so do the scanners (they wait for their batches' acks).
 * With `partition` (an input too large for the budget anyway) nothing is merged here: each scanner writes its
 * exposures into spill files of its own (ExposureSpill). Returns the counts and whether anything was spilled.
 */
export async function scanInto(
  tasks: ScanTask[],
  settings: ScanSettings,
  threads: number,
  merger: ExposureMerger,
  spillDir: string,
  onProgress: (bytes: number, lines: number) => void,
  alwaysSpill = false,
  partition = false,
): Promise<{ counts: ScanCounts; spilled: boolean }> {
  if (partition) {
    mkdirSync(spillDir, { recursive: true, mode: 0o700 }); // the task's output, even with no exposure
    const counts = await runScanPool(tasks, { ...settings, spillDir }, threads, noBatch, onProgress);
    return { counts, spilled: true };
  }
  let spill: SpillWriter | null = null;
  let merging = Promise.resolve();
  const flush = () => {
    spill ??= new SpillWriter(spillDir);
    spill.write(merger);
    merger.clear();
  };
  // Resolves once the batch is merged (and a spill it caused is written): the scanners' backpressure.
  const onBatch = (batch: ExposureBatch) =>
    (merging = merging.then(() => {
      merger.addBatch(batch);
      if (merger.full) flush();
    }));
  const counts = await runScanPool(tasks, settings, threads, onBatch, onProgress).finally(() =>
    merging.catch(() => undefined),
  );
  await merging;
  if (spill || alwaysSpill) flush(); // the rest joins the spilled part
  return { counts, spilled: spill !== null };
}

const noBatch = () => {
  throw new Error('a partitioning scanner sends no batches');
};

/** Whether a run's input is large enough to partition in the scanners (ANALYSIS_PARTITION_FROM_MB). */
export function partitionsInScanners(files: { size: number; gzip: boolean }[], fromMb: number): boolean {
  const bytes = files.reduce((n, f) => n + f.size * (f.gzip ? 8 : 1), 0);
  return bytes >= fromMb * 2 ** 20;
}

/**
 * Runs a whole analysis in this process (the CLI, the demo, `analyze()`), its tasks on this machine's cores.
 * A run queued over the API is spread over the worker processes instead (AnalysisTasksService).
 */
@Injectable()
export class AnalysisRunner {
  constructor(
    private readonly config: AppConfig,
    private readonly finisher: RunFinisher,
    private readonly runs: AnalysisRunsRepository,
    private readonly results: RunFinishRepository,
    private readonly transitions: AnalysisRunTransitions,
  ) {}

  runDir(runId: string): string {
    return join(this.config.analysis.spillDir, runId);
  }

  /** Removes what an interrupted attempt left: result rows and spill files. */
  async clearPartial(runId: string): Promise<void> {
    removeRunSpill(this.runDir(runId));
    await this.results.clearResults(runId);
  }

  /**
   * Runs an analysis to completion. Idempotent: a finished run is left alone; a run interrupted half-way
   * starts again from a clean slate. A run whose inputs and parameters match a live run becomes a
   * `duplicate` pointing at it (the database's unique index on the manifest digest decides).
   */
  async execute(runId: string, onProgress?: ProgressFn): Promise<void> {
    if (!(await this.transitions.claim(runId, true))) return;
    try {
      await this.clearPartial(runId);
      const run = await this.runs.findOrFail(runId);
      const files = await this.runs.files(runId);
      // The checksums (the run key) are read while the scan runs: both read the same files, and a
      // duplicate run is rare enough that its wasted scan costs less than hashing first on every run.
      const t0 = Date.now();
      let checksumMs = 0;
      const keyed = this.hashFiles(files)
        .then(() => this.claimKey(run, files))
        .finally(() => (checksumMs = Date.now() - t0));
      const [scanned, duplicate] = await Promise.allSettled([this.scan(run, files, onProgress), keyed]);
      const t1 = Date.now();
      if (duplicate.status === 'rejected') throw duplicate.reason;
      if (scanned.status === 'rejected') throw scanned.reason;
      if (duplicate.value) return await this.clearPartial(runId);
      await this.finisher.finish(run, scanned.value.counts, scanned.value.output, {
        checksumMs,
        scanMs: t1 - t0,
        finishStarted: t1,
      });
      removeRunSpill(this.runDir(runId));
    } catch (e) {
      removeRunSpill(this.runDir(runId));
      await this.transitions.fail(runId, e as Error);
      throw e;
    }
  }

  /** The files' SHA-256 into the manifest. */
  async hashFiles(files: AnalysisFile[]): Promise<void> {
    for (const f of files) {
      f.sha256 = await sha256File(f.path);
      await this.runs.setChecksum(f.runId, f.ord, f.sha256);
    }
  }

  /** Claims the run key from the manifest's checksums; true when another live run holds it (this one is then a duplicate). */
  async claimKey(run: AnalysisRun, files: AnalysisFile[]): Promise<boolean> {
    const key = createHash('sha256')
      .update(
        JSON.stringify({
          files: files.map((f) => f.sha256).sort(),
          from: run.windowFrom.toISOString(),
          to: run.windowTo.toISOString(),
          partners: run.partners,
          options: run.options,
        }),
      )
      .digest('hex');
    if (await this.runs.setKey(run.id, key)) return false;
    await this.transitions.duplicate(run.id, await this.runs.liveRunWithKey(key));
    return true;
  }

  private async scan(
    run: AnalysisRun,
    files: AnalysisFile[],
    onProgress?: ProgressFn,
  ): Promise<{ counts: ScanCounts; output: ScanOutput }> {
    const workers = this.config.analysis.workers;
    const merger = new ExposureMerger(this.config.analysis.mergeBudgetMb << 20);
    const runDir = this.runDir(run.id);
    const work = taskWorkDir(runDir, 'local', randomBytes(6).toString('hex'));
    let done = 0;
    let lines = 0;
    let saved = 0;
    let lastSave = Date.now();
    const partition = partitionsInScanners(files, this.config.analysis.partitionFromMb);
    const { counts, spilled } = await scanInto(
      planScan(inputFiles(files), workers),
      scanSettings(run, this.config.analysis.native),
      workers,
      merger,
      work,
      (bytes, l) => {
        done += bytes;
        lines += l;
        onProgress?.(done, run.bytesTotal, lines);
        if (Date.now() - lastSave > 1000 && done !== saved) {
          lastSave = Date.now();
          saved = done;
          void this.runs.saveBytesDone(run.id, done).catch(() => undefined);
        }
      },
      false,
      partition,
    );
    onProgress?.(run.bytesTotal, run.bytesTotal, counts.linesRead);
    if (!spilled) return { counts, output: { merger, spill: null } };
    commitTask(runDir, 'local', work);
    return { counts, output: { merger, spill: runSegments(runDir, ['local']) } };
  }
}
