import { createReadStream, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
// the files, not the privacy barrel (it pulls Nest and the config into every worker's heap), and the ones
// without libphonenumber's metadata (the main thread sends the plan it needs)
import { scrubPii } from '../platform/privacy/pii-text';
import { classify, DetectionRules, Exclusion } from './detection';
import { BatchArrays, ExposureBatch, ExposureBatcher } from './exposure-aggregator';
import { createParser, SKIP } from './formats';
import { latin1 } from './formats/bytes';
import { ByteLineSplitter, MAX_LINE_BYTES } from '../platform/streams/line-splitter';
import { mobileMatcher, MobilePlan } from '../platform/privacy/mobile-matcher';
import { ScanTask } from './scan-plan';
import { ExposureSpill } from './spill-files';
import { NATIVE_COUNTS, NativeSquidScan } from './native-scan';

/** Everything a scanner needs, as plain data: it runs in a worker thread with no Nest container. */
export interface ScanSettings {
  /** The run's country's mobile numbering plan (mobile-number.ts `mobilePlan`). */
  mobile: MobilePlan;
  allowlist: string[];
  squidLogformat?: string;
  from: number;
  to: number;
  partners: string[];
  /** Exposures per batch handed to the run's merger. */
  batchSize: number;
  /** Set when the scanner partitions its exposures into spill files here itself instead (ExposureSpill). */
  spillDir?: string;
  /** Squid lines through the native scanner when it is built (native-scan.ts); false: the JS path alone. */
  native: boolean;
}

export interface ScanCounts {
  linesRead: number;
  linesMalformed: number;
  exposures: number;
  partnerExposures: number;
  invalidValues: number;
  excluded: Record<Exclusion, number>;
  /** Exposures per UTC hour (key: epoch ms of the hour). */
  hours: Record<string, number>;
  partnerHosts: Record<string, number>;
  /** A few malformed lines, scrubbed of anything phone-shaped, cut to 200 characters. */
  malformedSamples: string[];
}

/** A malformed line as evidence: cut short, control bytes made visible (jsonb refuses NUL), numbers masked. */
export function sample(line: string): string {
  // eslint-disable-next-line no-control-regex -- control bytes are exactly what must be replaced
  return scrubPii(line.slice(0, 200).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '\ufffd'));
}

export function emptyCounts(): ScanCounts {
  return {
    linesRead: 0,
    linesMalformed: 0,
    exposures: 0,
    partnerExposures: 0,
    invalidValues: 0,
    excluded: { outside_window: 0, connect: 0, cache_hit: 0, denied: 0, not_forwarded: 0 },
    hours: {},
    partnerHosts: {},
    malformedSamples: [],
  };
}

export const MAX_SAMPLES = 5;
/** The sample kept for a line longer than the splitter takes (1 MiB): its bytes are not kept. */
export const OVERLONG_LINE = '(line longer than 1 MiB)';
const HOUR = 3_600_000;
const PROGRESS_EVERY = 8 << 20;

/**
 * Scans one task: stream bytes (gunzip if needed), split lines, parse, classify, and hand the exposures
 * in batches to `onBatch` (the run's merger, in the main thread: numbers are pseudonymised there before
 * anything is written). `source` tells this scanner's batches apart from the others'; `spares` are
 * drained batches' arrays given back for reuse.
 *
 * With `feed`, the bytes come from there instead of the task's file: line-aligned chunks of a .gz file
 * that another thread inflates (scan-pool.ts); that thread reports the file's bytes, this one lines.
 */
export async function runScanTask(
  task: ScanTask,
  s: ScanSettings,
  onBatch: (batch: ExposureBatch) => Promise<void> | void,
  onProgress: (bytes: number, lines: number) => void = () => undefined,
  feed?: AsyncIterable<Buffer>,
  source = 0,
  spares: BatchArrays[] = [],
): Promise<ScanCounts> {
  const counts = emptyCounts();
  const parser = createParser(task.format, {
    allowlist: new Set(s.allowlist),
    squidLogformat: s.squidLogformat,
  });
  const rules: DetectionRules = {
    from: s.from,
    to: s.to,
    partners: s.partners,
    mobile: mobileMatcher(s.mobile),
  };
  const batch = new ExposureBatcher(source, s.batchSize, undefined, spares);
  const spill = s.spillDir ? new ExposureSpill(s.spillDir, String(source)) : null;
  if (spill)
    onBatch = (b: ExposureBatch) => {
      spill.add(b);
      spares.push(b); // written: its arrays are free to refill
    };
  const malformed = (line: string) => {
    counts.linesMalformed++;
    if (counts.malformedSamples.length < MAX_SAMPLES) counts.malformedSamples.push(sample(line));
  };

  // numeric keys: an epoch-ms key on a plain object is turned into a string on every exposure
  const hours = new Map<number, number>();
  // lines as bytes: the Squid parser reads its fields off the chunk, with no string per line
  const onLine = (buf: Buffer, start: number, end: number) => {
    const rec = parser.parseBytes(buf, start, end);
    if (rec === SKIP) return;
    counts.linesRead++;
    if (rec === null) return malformed(latin1(buf, start, Math.min(end, start + 200)));
    const v = classify(rec, rules);
    switch (v.kind) {
      case 'clean':
        return;
      case 'excluded':
        counts.excluded[v.reason]++;
        return;
      case 'invalid':
        counts.invalidValues += v.invalid;
        return;
      case 'partner':
        counts.invalidValues += v.invalid;
        counts.partnerExposures++;
        counts.partnerHosts[rec.host] = (counts.partnerHosts[rec.host] ?? 0) + 1;
        return;
      case 'exposure': {
        counts.invalidValues += v.invalid;
        counts.exposures++;
        const hour = rec.time - (rec.time % HOUR);
        hours.set(hour, (hours.get(hour) ?? 0) + 1);
        for (const n of v.numbers) batch.add(n, rec.host, rec.time);
      }
    }
  };

  // Squid lines go to the native scanner a chunk at a time; it leaves to `onLine` the lines it is not sure of
  const native =
    task.format === 'squid' && s.native
      ? NativeSquidScan.create(
          {
            allowlist: new Set(s.allowlist),
            squidLogformat: s.squidLogformat,
            from: s.from,
            to: s.to,
            partners: s.partners,
            mobile: s.mobile,
            maxLineBytes: MAX_LINE_BYTES,
          },
          batch,
        )
      : null;
  const linesRead = () => counts.linesRead + (native ? native.counts[0] : 0);

  const rangeStart = task.gzip || task.start === 0 || feed ? 0 : task.start - 1;
  const splitter = new ByteLineSplitter(onLine, {
    startOffset: rangeStart,
    stopAt: task.gzip ? Infinity : task.end,
    skipFirstLine: !task.gzip && task.start > 0,
    onOverlong: () => malformed(OVERLONG_LINE),
    onLines: native ? (buf, start, end) => native.lines(buf, start, end) : undefined,
  });

  // gzip goes through a stream; plain text is read into one buffer, reused (the splitter copies what it keeps)
  const raw =
    feed || !task.gzip ? null : createReadStream(task.path, { start: rangeStart, highWaterMark: 1 << 20 });
  const plain = feed || task.gzip ? null : new FileChunks(task.path, rangeStart);
  let fed = 0;
  let reported = 0;
  let reportedLines = 0;
  // progress from the file position, read in the loop: a 'data' listener would switch the stream to
  // flowing mode and let it run ahead of the parser, buffering the file in memory
  const progress = () => {
    const bytes = raw ? raw.bytesRead : plain ? plain.bytesRead : fed;
    if (bytes - reported >= PROGRESS_EVERY) {
      const lines = linesRead();
      onProgress(feed ? 0 : bytes - reported, lines - reportedLines);
      reported = bytes;
      reportedLines = lines;
    }
  };
  let input: AsyncIterable<Buffer> = plain ?? feed!;
  if (raw) {
    const gunzip = raw.pipe(createGunzip({ chunkSize: 1 << 20 }));
    raw.on('error', (e) => gunzip.destroy(e));
    input = gunzip;
  }
  try {
    for await (const chunk of input) {
      fed += chunk.length;
      splitter.push(chunk);
      if (batch.full) await onBatch(batch.drain()); // the merger's backpressure (scan.worker.ts)
      progress();
      if (splitter.done) break;
    }
    splitter.end();
    raw?.destroy();
    if (batch.size > 0) await onBatch(batch.drain());
  } finally {
    spill?.close();
  }
  if (native) addNative(counts, hours, native);
  // a range reader may stop before its end (the last line belongs to the next range): report it all
  onProgress(
    feed ? 0 : (raw ? raw.bytesRead : task.end - task.start) - reported,
    counts.linesRead - reportedLines,
  );
  for (const [h, n] of hours) counts.hours[h] = n;
  return counts;
}

/** Adds what the native scanner counted to the JS path's counts (hours and partner hosts are sums too). */
function addNative(counts: ScanCounts, hours: Map<number, number>, native: NativeSquidScan): void {
  NATIVE_COUNTS.forEach((k, i) => {
    const n = native.counts[i];
    if (k === 'linesRead' || k === 'exposures' || k === 'partnerExposures' || k === 'invalidValues')
      counts[k] += n;
    else counts.excluded[k] += n;
  });
  const r = native.results();
  for (let i = 0; i < r.hours.length; i += 2) {
    const h = r.hours[i];
    hours.set(h, (hours.get(h) ?? 0) + r.hours[i + 1]);
  }
  for (let i = 0; i < r.partners.length; i += 2) {
    const host = r.partners[i] as string;
    counts.partnerHosts[host] = (counts.partnerHosts[host] ?? 0) + (r.partners[i + 1] as number);
  }
}

/**
 * A file's bytes from `start`, read into one buffer that each read reuses. A read stream allocates a new
 * buffer per read, and a scanner's small heap is collected so rarely that the dead ones piled up to ~50 MB
 * a thread. A chunk is valid until the next is asked for.
 */
class FileChunks implements AsyncIterable<Buffer> {
  bytesRead = 0;

  constructor(
    private readonly path: string,
    private readonly start: number,
    private readonly size = 1 << 20,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const file = await open(this.path, 'r');
    try {
      const buf = Buffer.allocUnsafeSlow(this.size);
      for (;;) {
        const at = this.start + this.bytesRead;
        // a scanner thread has nothing else to do while it waits: a blocking read saves the thread pool's
        // round trip per megabyte (in the main thread, where tests run tasks, the read stays asynchronous)
        const bytesRead = isMainThread
          ? (await file.read(buf, 0, this.size, at)).bytesRead
          : readSync(file.fd, buf, 0, this.size, at);
        if (bytesRead === 0) return;
        this.bytesRead += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await file.close();
    }
  }
}

/** Adds one task's counts into the run's totals. */
export function mergeCounts(into: ScanCounts, c: ScanCounts): ScanCounts {
  into.linesRead += c.linesRead;
  into.linesMalformed += c.linesMalformed;
  into.exposures += c.exposures;
  into.partnerExposures += c.partnerExposures;
  into.invalidValues += c.invalidValues;
  for (const k of Object.keys(c.excluded) as Exclusion[]) into.excluded[k] += c.excluded[k];
  for (const [k, v] of Object.entries(c.hours)) into.hours[k] = (into.hours[k] ?? 0) + v;
  for (const [k, v] of Object.entries(c.partnerHosts)) into.partnerHosts[k] = (into.partnerHosts[k] ?? 0) + v;
  for (const m of c.malformedSamples)
    if (into.malformedSamples.length < MAX_SAMPLES) into.malformedSamples.push(m);
  return into;
}
