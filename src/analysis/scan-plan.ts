import { LogFormat } from './formats';

export interface InputFile {
  path: string;
  size: number;
  format: LogFormat | 'empty';
  gzip: boolean;
}

/** One unit of parallel work: a whole file, or a byte range of a plain file (lines are owned by where they start). */
export interface ScanTask {
  path: string;
  format: LogFormat;
  gzip: boolean;
  start: number;
  end: number;
  /** Position in file order (files as given, ranges by offset): counts are added up in this order. */
  seq?: number;
}

const MIN_RANGE = 16 << 20;
/**
 * A task is a thread of its own (~0.1 CPU s to start); with the native scanner a 256 MB range took ~0.7 CPU s,
 * so ten ranges of a 2.5 GB file spent a seventh of the scan starting threads.
 */
const MAX_RANGE = 1 << 30;

/**
 * Splits the input into tasks for `workers` parallel scanners. Plain Squid and JSONL files are cut into
 * byte ranges, a multiple of `workers` of them per file, equal, so that the scanners end together; gzip
 * streams cannot be entered in the middle and an ELFF range would miss the `#Fields:` line that governs it,
 * so those go whole. Largest tasks first, so the pool ends evenly.
 */
export function planScan(files: InputFile[], workers: number): ScanTask[] {
  const w = Math.max(1, workers);
  return plan(files, (size) => {
    const ranges = w * Math.ceil(size / (w * MAX_RANGE));
    return Math.max(MIN_RANGE, Math.ceil(size / ranges));
  });
}

/**
 * Splits the input into tasks of about `rangeBytes` for a run spread over worker processes
 * (AnalysisTasksService): plain Squid and JSONL files in byte ranges of that size, the others whole.
 */
export function planTasks(files: InputFile[], rangeBytes: number): ScanTask[] {
  return plan(files, () => Math.max(1, rangeBytes));
}

function plan(files: InputFile[], rangeOf: (size: number) => number): ScanTask[] {
  const tasks: ScanTask[] = [];
  for (const f of files) {
    if (f.format === 'empty' || f.size === 0) continue;
    const splittable = !f.gzip && f.format !== 'elff';
    const range = rangeOf(f.size);
    if (!splittable || f.size <= range) {
      tasks.push({ path: f.path, format: f.format, gzip: f.gzip, start: 0, end: f.size });
      continue;
    }
    for (let start = 0; start < f.size; start += range)
      tasks.push({
        path: f.path,
        format: f.format,
        gzip: false,
        start,
        end: Math.min(f.size, start + range),
      });
  }
  tasks.forEach((t, seq) => (t.seq = seq));
  return tasks.sort((a, b) => b.end - b.start - (a.end - a.start));
}

/**
 * Whether a task is a .gz file to fan out: one thread inflates it and hands line-aligned chunks to
 * `workers` scanners (scan-pool.ts). A gzip stream cannot be entered in the middle, but once inflated
 * its lines can go anywhere, except ELFF lines, which need the `#Fields:` line before them.
 */
export function fansOut(task: ScanTask, workers: number): boolean {
  return task.gzip && task.format !== 'elff' && workers > 1;
}
