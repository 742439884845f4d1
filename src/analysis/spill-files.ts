import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ExposureBatch, ExposureMerger, hashKey, RECORD_FIELDS } from './exposure-aggregator';

/**
 * Spill files: a run's (number, host) totals on local or shared disk when they outgrow the merge budget,
 * partitioned by a hash of the number, so that each partition can later be summed in memory on its own and
 * only final per-number rows go to Postgres (which summed staged pairs ~10x slower: README, "Exposure
 * analysis").
 *
 * Layout: `<run dir>/<task>/seg-<n>/` holds one spill ("segment") of one merger: `hosts.json` (the host names
 * its records point to) and `p<k>` for each partition k, records of five doubles (number as its E.164 digits,
 * exposures, first seen ms, last seen ms, host id). A task writes into `<task>.<nonce>.tmp` and renames it to
 * `<task>` once complete (`commitTask`), so a task retried after a crash replaces its output, never adds to
 * it, and a half-written one is never read. Files are created 0600 in 0700 directories and the run's
 * directory is removed when the run ends: they hold numbers, as the logs beside them do.
 */
export const PARTITION_BITS = 6;
export const PARTITIONS = 1 << PARTITION_BITS;
const RECORD_BYTES = RECORD_FIELDS * 8;
/** Records buffered per partition before a write (80 KiB; 5 MiB for all 64). */
const BUFFERED = 2048;
/** Records read at a time when a partition is summed (1 MiB). */
const READ_RECORDS = 26_214;

/** The partition of a number (its E.164 digits): the hash's top bits (the merger's table uses the low ones). */
export function partitionOf(key: number): number {
  return hashKey(key) >>> (32 - PARTITION_BITS);
}

/**
 * Each partition's write buffer, made once per writer: ArrayBuffers live outside V8's heap and are freed only when
 * it next collects, which a busy main thread seldom does (64 MB of dead buffers otherwise).
 */
function partitionBuffers(): Float64Array[] {
  return Array.from({ length: PARTITIONS }, () => new Float64Array(BUFFERED * RECORD_FIELDS));
}

/** One segment being written: a file per partition, each behind its writer's buffer. */
class SegmentFiles {
  private readonly fds: number[];
  private readonly fill = new Int32Array(PARTITIONS);

  constructor(
    private readonly dir: string,
    readonly bufs: Float64Array[],
  ) {
    mkdirSync(dir, { mode: 0o700 });
    this.fds = Array.from({ length: PARTITIONS }, (_, p) => openSync(join(dir, `p${p}`), 'w', 0o600));
  }

  /** Where the next record of partition `p` goes in `bufs[p]` (what is buffered is written first when full). */
  next(p: number): number {
    if (this.fill[p] === BUFFERED) this.flush(p);
    return this.fill[p]++ * RECORD_FIELDS;
  }

  /** Writes what is buffered and the host names the records point to; the segment is then complete. */
  close(hosts: readonly string[]): void {
    try {
      for (let p = 0; p < PARTITIONS; p++) this.flush(p);
      writeFileSync(join(this.dir, 'hosts.json'), JSON.stringify(hosts), { mode: 0o600 });
    } finally {
      for (const fd of this.fds) closeSync(fd);
    }
  }

  private flush(p: number): void {
    const bytes = this.fill[p] * RECORD_BYTES;
    const view = new Uint8Array(this.bufs[p].buffer);
    for (let at = 0; at < bytes;) at += writeSync(this.fds[p], view, at, bytes - at);
    this.fill[p] = 0;
  }
}

/** Writes a task's spills as segments of one directory. */
export class SpillWriter {
  private segments = 0;
  pairs = 0;
  private readonly bufs = partitionBuffers();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Writes everything the merger holds as one segment (the caller then clears it); returns the pairs written. */
  write(merger: ExposureMerger): number {
    const v = merger.view();
    const seg = new SegmentFiles(join(this.dir, `seg-${this.segments++}`), this.bufs);
    let written = 0;
    try {
      for (let n = 0; n < v.size; n++) {
        const p = partitionOf(v.keys[n]);
        const b = this.bufs[p];
        for (let q = v.head[n]; q >= 0; q = v.pairNext[q]) {
          const r = seg.next(p);
          b[r] = v.keys[n];
          b[r + 1] = v.pairExposures[q];
          b[r + 2] = v.first[n];
          b[r + 3] = v.last[n];
          b[r + 4] = v.pairHost[q];
          written++;
        }
      }
    } finally {
      seg.close(v.hostNames);
    }
    this.pairs += written;
    return written;
  }
}

/**
 * A scanner's exposures written straight into partitioned spill records (one per exposure: number, 1, time,
 * time, host id), when a run is too large for the merge budget anyway (ANALYSIS_PARTITION_FROM_MB). Nothing is
 * merged during the scan: merging every exposure in the main thread's 64 MB of tables, then again from the
 * spills, cost a cache miss or more per exposure twice; a partition summed at the finish fits the cache. The
 * scanner's host ids restart past its table's limit (ExposureBatcher), and so does the segment here: a
 * segment's records point into its own `hosts.json`.
 */
export class ExposureSpill {
  private readonly bufs = partitionBuffers();
  private seg: SegmentFiles | null = null;
  private hosts: string[] = [];
  private segments = 0;
  exposures = 0;

  /** `name`: unique among the writers of one directory (the scanner's source number). */
  constructor(
    private readonly dir: string,
    private readonly name: string,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Writes a batch's exposures (its arrays can be refilled once this returns). */
  add(b: ExposureBatch): void {
    if (b.hostsReset || !this.seg) {
      this.close();
      this.seg = new SegmentFiles(join(this.dir, `seg-${this.name}-${this.segments++}`), this.bufs);
      this.hosts = [];
    }
    for (const h of b.newHosts) this.hosts.push(h);
    const seg = this.seg;
    for (let i = 0; i < b.count; i++) {
      const p = partitionOf(b.numbers[i]);
      const r = seg.next(p);
      const buf = this.bufs[p];
      buf[r] = b.numbers[i];
      buf[r + 1] = 1;
      buf[r + 2] = buf[r + 3] = b.times[i];
      buf[r + 4] = b.hosts[i];
    }
    this.exposures += b.count;
  }

  /** Completes the segment being written, if any. */
  close(): void {
    const seg = this.seg;
    this.seg = null;
    seg?.close(this.hosts);
  }
}

/** A task's output directory while it is written: unique per attempt, never read by the finish. */
export function taskWorkDir(runDir: string, task: string, nonce: string): string {
  return join(runDir, `${task}.${nonce}.tmp`);
}

/** Makes a task's output the one that counts: replaces an earlier attempt's, atomically for readers. */
export function commitTask(runDir: string, task: string, workDir: string): void {
  const final = join(runDir, task);
  const old = join(runDir, `${task}.${process.pid}.${Date.now()}.old`);
  if (existsSync(final)) renameSync(final, old);
  renameSync(workDir, final);
  rmSync(old, { recursive: true, force: true });
}

/** A segment to read: its directory and its host names. */
export interface Segment {
  dir: string;
  hosts: string[];
}

/** The committed segments of a run: those of the tasks given (every committed task when none). */
export function runSegments(runDir: string, tasks?: string[]): Segment[] {
  if (!existsSync(runDir)) return [];
  const names =
    tasks ??
    readdirSync(runDir)
      .filter((d) => !d.endsWith('.tmp') && !d.endsWith('.old'))
      .sort();
  const out: Segment[] = [];
  for (const task of names) {
    const dir = join(runDir, task);
    if (!existsSync(dir)) throw new Error(`spill of task ${task} is missing`);
    for (const seg of readdirSync(dir)
      .filter((s) => s.startsWith('seg-'))
      .sort()) {
      const segDir = join(dir, seg);
      out.push({ dir: segDir, hosts: JSON.parse(readFileSync(join(segDir, 'hosts.json'), 'utf8')) });
    }
  }
  return out;
}

/** A read buffer for loadPartition, to reuse over a run's partitions (see SpillWriter's buffers). */
export function partitionBuffer(): Float64Array {
  return new Float64Array(READ_RECORDS * RECORD_FIELDS);
}

/** Adds partition `p` of every segment into the (empty) merger, a megabyte of records at a time. */
export function loadPartition(
  segments: Segment[],
  p: number,
  merger: ExposureMerger,
  rec: Float64Array = partitionBuffer(),
): void {
  const bytes = new Uint8Array(rec.buffer);
  for (const s of segments) {
    const fd = openSync(join(s.dir, `p${p}`), 'r');
    try {
      for (let pos = 0; ;) {
        let got = 0;
        while (got < bytes.length) {
          const n = readSync(fd, bytes, got, bytes.length - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        if (got % RECORD_BYTES !== 0) throw new Error(`spill file ${s.dir}/p${p} is truncated`);
        if (got === 0) break;
        merger.addRecords(rec, got / RECORD_BYTES, s.hosts);
        pos += got;
        if (got < bytes.length) break;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Removes a run's spill files (at its end, and before it starts again). */
export function removeRunSpill(runDir: string): void {
  rmSync(runDir, { recursive: true, force: true });
}
