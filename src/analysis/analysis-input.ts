import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
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

/** Whether `path` lies outside the folder `base`. */
export function outside(path: string, base: string): boolean {
  const rel = relative(base, path);
  return rel.startsWith('..') || isAbsolute(rel);
}
