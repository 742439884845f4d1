import { realpathSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * Files' SHA-256 (hex), each computed in a thread of its own: a run hashes its files while it scans them
 * (their checksums are the run key), and in the main thread the hash (~1.5 GB/s) held the scan's end back to
 * its own. Only Node's own modules here: the CLI loads this before anything else (see startEarlyChecksums).
 */
export function sha256File(path: string): Promise<string> {
  const early = takeEarly(path);
  if (early) return early;
  return hashInThread(path).digest;
}

/** Checksums started before they were asked for, by real path, with the file's identity when they started. */
const early = new Map<string, { identity: string; worker: Worker; digest: Promise<string> }>();

/**
 * Starts hashing, each in its own thread, the arguments that name regular files, before the process asks (the
 * CLI's `analyze` calls this first thing, so its files are hashed while the rest of its code loads: ~1 s on
 * one core that the other core spent idle). Anything else is skipped: the command reports it. The threads
 * hold nothing up: a process that exits first does not wait for them.
 */
export function startEarlyChecksums(args: string[]): number {
  let started = 0;
  for (const arg of args) {
    const real = realOrNull(arg);
    const identity = real && identityOf(real);
    if (!real || !identity || early.has(real)) continue;
    const { worker, digest } = hashInThread(real);
    worker.unref();
    digest.catch(() => undefined); // asked for later, or never
    early.set(real, { identity, worker, digest });
    started++;
  }
  return started;
}

/**
 * The checksum started early for `path`, once: null when none was, or when the file is no longer the one it
 * read (another inode, size or modification time): then it is computed again.
 */
export function takeEarly(path: string): Promise<string> | null {
  const real = realOrNull(path);
  const e = real === null ? undefined : early.get(real);
  if (!e) return null;
  early.delete(real!);
  if (identityOf(real!) !== e.identity) return null;
  e.worker.ref(); // now awaited: the process waits for it
  return e.digest;
}

function hashInThread(path: string): { worker: Worker; digest: Promise<string> } {
  const worker = new Worker(SHA256_WORKER, { eval: true, workerData: path });
  const digest = new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`checksum thread exited with code ${code}`)));
  });
  return { worker, digest };
}

function identityOf(path: string): string | null {
  const st = statSync(path, { throwIfNoEntry: false });
  return st?.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}` : null;
}

/** Where a path really is (links resolved), or null when it does not exist. */
export function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

const SHA256_WORKER = `
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const h = createHash('sha256');
const buf = Buffer.allocUnsafe(1 << 20);
const fd = openSync(workerData, 'r');
try {
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
} finally {
  closeSync(fd);
}
parentPort.postMessage(h.digest('hex'));
`;
