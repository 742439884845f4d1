import { createReadStream, realpathSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { isAbsolute, relative } from 'node:path';
import { createGunzip } from 'node:zlib';
import { LogFormat, sniffFormat } from './formats';
import { InputFile } from './scan-plan';

/** A problem with the input a person can fix: reported as 400 by the API and as the error of the CLI. */
export class AnalysisInputError extends Error {}

const HEAD_BYTES = 64 << 10;

/**
 * Checks that a file can be read and tells its format (from its first lines, after gunzip when it starts
 * with the gzip magic bytes); `format` overrides the guess. A file no format fits is refused by name.
 */
export async function inspectFile(path: string, format?: LogFormat): Promise<InputFile> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new AnalysisInputError(`${path}: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof AnalysisInputError) throw e;
    throw new AnalysisInputError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const head = await readHead(path);
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const text = gzip ? await gunzipHead(path) : head.toString('latin1');
  const sniffed = sniffFormat(text);
  if (sniffed === null && !format)
    throw new AnalysisInputError(
      `${path}: not a gateway log this tool knows (the first line is neither Squid, ELFF nor JSON lines; use --format to say which)`,
    );
  return { path, size, gzip, format: sniffed === 'empty' ? 'empty' : (format ?? sniffed!) };
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The first 64 KiB of decompressed text, reading no more of the file than that takes. */
async function gunzipHead(path: string): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  const src = createReadStream(path, { highWaterMark: 16 << 10 });
  const gz = createGunzip();
  try {
    for await (const c of src.pipe(gz)) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
      if (n >= HEAD_BYTES) break;
    }
  } catch (e) {
    if (n === 0) throw new AnalysisInputError(`${path}: gzip data is corrupt (${(e as Error).message})`);
  } finally {
    src.destroy();
    gz.destroy();
  }
  return Buffer.concat(chunks).toString('latin1');
}

/**
 * A file's SHA-256 (hex), computed in a thread of its own: a run hashes its files while it scans them, and in
 * the main thread the hash (~1.5 GB/s) held the scan's end back to its own (the native scanners finish first).
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SHA256_WORKER, { eval: true, workerData: path });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`checksum thread exited with code ${code}`)));
  });
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

/** Whether `path` lies outside the folder `base`. */
export function outside(path: string, base: string): boolean {
  const rel = relative(base, path);
  return rel.startsWith('..') || isAbsolute(rel);
}

/** Where a path really is (links resolved), or null when it does not exist. */
export function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}
