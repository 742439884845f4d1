import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { LineChunker } from '../platform/streams/line-chunker';
import { ExposureBatch } from './exposure-aggregator';
import { fansOut, ScanTask } from './scan-plan';
import { squidAddon } from './native-scan';
import {
  emptyCounts,
  MAX_SAMPLES,
  mergeCounts,
  OVERLONG_LINE,
  runScanTask,
  sample,
  ScanCounts,
  ScanSettings,
} from './scan-task';

/** Compiled worker entry; absent when running from TypeScript sources (jest), where tasks run in-thread. */
const WORKER_FILE = join(__dirname, 'scan.worker.js');

/** Inflated text goes to scanners in chunks of this size: more than the longest line they take (1 MiB). */
const CHUNK = 2 << 20;
/** Chunks sent to one scanner and not parsed yet: enough to keep it busy, few enough to bound memory. */
const IN_FLIGHT = 2;
const PROGRESS_EVERY = 8 << 20;

type OnProgress = (bytes: number, lines: number) => void;
type OnBatch = (batch: ExposureBatch) => Promise<void> | void;

/**
 * Runs scan tasks, `concurrency` at a time, each in its own worker thread (a fresh heap per task, so a
 * long run cannot accumulate memory). Gzip files that can fan out are inflated here and parsed by
 * `concurrency` threads together (`fanOut`), after the other tasks. Returns the merged counts; the
 * exposures went to `onBatch`, in batches tagged with their scanner.
 */
export async function runScanPool(
  tasks: ScanTask[],
  settings: ScanSettings,
  concurrency: number,
  onBatch: OnBatch,
  onProgress: OnProgress,
): Promise<ScanCounts> {
  const total = emptyCounts();
  if (settings.native) squidAddon(); // loaded here first: a missing addon is warned about once, not by each thread
  const threads = existsSync(WORKER_FILE);
  const fed = threads ? tasks.filter((t) => fansOut(t, concurrency)) : [];
  const own = tasks.filter((t) => !fed.includes(t));
  let next = 0;
  const results: ScanCounts[] = [];
  const lane = async () => {
    while (next < own.length) {
      const source = next;
      const task = own[next++];
      results[source] = threads
        ? await new Scanner({ task, settings, source }, onBatch, onProgress).done
        : await runScanTask(task, settings, onBatch, onProgress, undefined, source);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, own.length)) }, lane));
  // added up in file order, whatever order the tasks ended in: the malformed samples kept are the first ones
  const order = own.map((t, i) => [t.seq ?? i, i]).sort((a, b) => a[0] - b[0]);
  for (const [, i] of order) mergeCounts(total, results[i]);
  if (fed.length > 0)
    mergeCounts(total, await fanOut(fed, settings, concurrency, onBatch, onProgress, own.length));
  return total;
}

/** One scanner thread: a task of its own, or (fed) the chunks it is sent. */
class Scanner {
  readonly done: Promise<ScanCounts>;
  /** Chunks it can take now. */
  credits = IN_FLIGHT;
  private readonly worker: Worker;

  constructor(
    data: { task: ScanTask; settings: ScanSettings; fed?: boolean; source: number },
    onBatch: OnBatch,
    onProgress: OnProgress,
    onAck: (buf: ArrayBuffer) => void = () => undefined,
  ) {
    // small heaps make the scanner collect often: its live data is a batch's arrays, its host table and its
    // modules (~10 MB). 40+8 MB instead of 96+16 took ~100 MB off a two-worker run at the same speed.
    this.worker = new Worker(WORKER_FILE, {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: 40, maxYoungGenerationSizeMb: 8 },
    });
    this.done = new Promise((resolve, reject) => {
      let settled = false;
      this.worker.on(
        'message',
        (m: {
          type: string;
          bytes?: number;
          lines?: number;
          id?: number;
          batch?: ExposureBatch;
          counts?: ScanCounts;
          message?: string;
          buf?: ArrayBuffer;
        }) => {
          if (m.type === 'batch')
            // the ack is the scanner's backpressure: it waits for it when it has two batches unacknowledged
            Promise.resolve(onBatch(m.batch!)).then(
              () => {
                // merged: the arrays go back to be refilled (transferred again, so nothing is copied)
                const { numbers, hosts, times } = m.batch!;
                this.worker.postMessage({ type: 'ack', id: m.id, arrays: { numbers, hosts, times } }, [
                  numbers.buffer as ArrayBuffer,
                  hosts.buffer as ArrayBuffer,
                  times.buffer as ArrayBuffer,
                ]);
              },
              (e: Error) => {
                settled = true;
                reject(e);
                void this.worker.terminate();
              },
            );
          else if (m.type === 'progress') onProgress(m.bytes!, m.lines!);
          else if (m.type === 'parsed') {
            this.credits++;
            onAck(m.buf!);
          } else if (m.type === 'done') {
            settled = true;
            resolve(m.counts!);
          } else if (m.type === 'error') {
            settled = true;
            reject(new Error(m.message));
          }
        },
      );
      this.worker.on('error', (e) => {
        settled = true;
        reject(e);
      });
      this.worker.on('exit', (code) => {
        if (!settled) reject(new Error(`scan worker exited with code ${code}`));
      });
    });
  }

  send(buf: ArrayBuffer, length: number): void {
    this.credits--;
    this.worker.postMessage({ type: 'chunk', buf, length }, [buf]);
  }

  end(): void {
    this.worker.postMessage({ type: 'end' });
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

/**
 * Gzip files, several cores each: this thread reads and inflates (zlib works on the libuv pool) and
 * cuts the text into line-aligned chunks, which go, transferred rather than copied, to whichever of
 * `workers` scanner threads has room. A scanner holds at most IN_FLIGHT chunks, so when the scanners
 * fall behind, inflating waits: memory stays a few chunks whatever the file size. One set of scanners
 * reads every file of one format (their parser needs no state between lines, fansOut).
 */
async function fanOut(
  tasks: ScanTask[],
  settings: ScanSettings,
  workers: number,
  onBatch: OnBatch,
  onProgress: OnProgress,
  firstSource: number,
): Promise<ScanCounts> {
  const total = emptyCounts();
  let source = firstSource;
  for (const format of new Set(tasks.map((t) => t.format))) {
    const files = tasks.filter((t) => t.format === format);
    let failure: Error | null = null;
    let wake = () => undefined as void;
    const ready: [ArrayBuffer, number][] = [];
    const chunker = new LineChunker(
      CHUNK,
      (buf, length) => ready.push([buf, length]),
      () => {
        // what a scanner's splitter does with a line longer than it takes
        total.linesMalformed++;
        if (total.malformedSamples.length < MAX_SAMPLES) total.malformedSamples.push(sample(OVERLONG_LINE));
      },
    );
    const scanners = files.slice(0, 1).flatMap((task) =>
      Array.from(
        { length: workers },
        () =>
          new Scanner({ task, settings, fed: true, source: source++ }, onBatch, onProgress, (buf) => {
            chunker.recycle(buf);
            wake();
          }),
      ),
    );
    for (const s of scanners)
      s.done.catch((e: Error) => {
        failure ??= e;
        wake();
      });
    const room = async (): Promise<Scanner> => {
      for (;;) {
        if (failure) throw failure;
        let best: Scanner | null = null;
        for (const s of scanners) if (s.credits > 0 && (!best || s.credits > best.credits)) best = s;
        if (best) return best;
        await new Promise<void>((r) => (wake = r));
      }
    };
    const dispatch = async () => {
      for (let c = ready.shift(); c; c = ready.shift()) (await room()).send(c[0], c[1]);
    };
    try {
      for (const f of files) {
        const raw = createReadStream(f.path, { highWaterMark: 1 << 20 });
        const text = raw.pipe(createGunzip({ chunkSize: 1 << 20 }));
        raw.on('error', (e) => text.destroy(e));
        let reported = 0;
        for await (const data of text) {
          chunker.push(data as Buffer);
          await dispatch();
          if (raw.bytesRead - reported >= PROGRESS_EVERY) {
            onProgress(raw.bytesRead - reported, 0);
            reported = raw.bytesRead;
          }
        }
        chunker.end(); // a file's last line stays in its file
        await dispatch();
        onProgress(raw.bytesRead - reported, 0);
      }
      for (const s of scanners) s.end();
      for (const counts of await Promise.all(scanners.map((s) => s.done))) mergeCounts(total, counts);
    } catch (e) {
      for (const s of scanners) s.terminate();
      throw e;
    }
  }
  return total;
}
