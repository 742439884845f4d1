import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PairTotal } from './exposure-aggregator';
import { ScanTask } from './scan-plan';
import { emptyCounts, mergeCounts, runScanTask, ScanCounts, ScanSettings } from './scan-task';

/** Compiled worker entry; absent when running from TypeScript sources (jest), where tasks run in-thread. */
const WORKER_FILE = join(__dirname, 'scan.worker.js');

/**
 * Runs scan tasks, `concurrency` at a time, each in its own worker thread (a fresh heap per task, so a
 * long run cannot accumulate memory). Returns the merged counts; the (number, host) totals went to `onPairs`.
 */
export async function runScanPool(
  tasks: ScanTask[],
  settings: ScanSettings,
  concurrency: number,
  onPairs: (pairs: PairTotal[]) => Promise<void> | void,
  onProgress: (bytes: number, lines: number) => void,
): Promise<ScanCounts> {
  const total = emptyCounts();
  const threads = existsSync(WORKER_FILE);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      const counts = threads
        ? await inWorker(task, settings, onPairs, onProgress)
        : await runScanTask(task, settings, onPairs, onProgress);
      mergeCounts(total, counts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, lane));
  return total;
}

function inWorker(
  task: ScanTask,
  settings: ScanSettings,
  onPairs: (pairs: PairTotal[]) => Promise<void> | void,
  onProgress: (bytes: number, lines: number) => void,
): Promise<ScanCounts> {
  return new Promise((resolve, reject) => {
    // small heaps make the scanner collect often: its live data is one bounded map (20k pairs) and its
    // modules (~10 MB). 40+8 MB instead of 96+16 took ~100 MB off a two-worker run at the same speed.
    const w = new Worker(WORKER_FILE, {
      workerData: { task, settings },
      resourceLimits: { maxOldGenerationSizeMb: 40, maxYoungGenerationSizeMb: 8 },
    });
    let settled = false;
    w.on(
      'message',
      (m: {
        type: string;
        bytes?: number;
        lines?: number;
        id?: number;
        pairs?: PairTotal[];
        counts?: ScanCounts;
        message?: string;
      }) => {
        if (m.type === 'pairs')
          // the ack is the scanner's backpressure: it waits for it when it has two batches unacknowledged
          Promise.resolve(onPairs(m.pairs!)).then(
            () => w.postMessage({ type: 'ack', id: m.id }),
            (e: Error) => {
              settled = true;
              reject(e);
              void w.terminate();
            },
          );
        else if (m.type === 'progress') onProgress(m.bytes!, m.lines!);
        else if (m.type === 'done') {
          settled = true;
          resolve(m.counts!);
          void w.terminate(); // its port listens for acks, which would keep the thread (and the CLI) alive
        } else if (m.type === 'error') {
          settled = true;
          reject(new Error(m.message));
        }
      },
    );
    w.on('error', (e) => {
      settled = true;
      reject(e);
    });
    w.on('exit', (code) => {
      if (!settled) reject(new Error(`scan worker exited with code ${code}`));
    });
  });
}
