import {
  createParamDecorator,
  ExecutionContext,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

export interface UploadLimits {
  maxBytes: number;
  maxLineBytes: number;
}

/**
 * A streamed upload, bounded: the content type is checked before anything is read (415 at once, rather
 * than a JSON or form body that the body parser already consumed and a stream that never ends), a declared
 * Content-Length above the limit is refused at once (413), and the stream fails with a 413 as soon as the
 * body or one line grows past its limit, so memory stays flat whatever is sent.
 */
export function boundedUpload(req: IncomingMessage, types: string[], limits: UploadLimits): Readable {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!types.includes(type))
    throw new UnsupportedMediaTypeException(`Send the file as ${types.join(' or ')}`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
  return new BoundedBody(req, limits);
}

/** Where bootstrap puts the configured limits (Express app settings), for the decorator below. */
export const UPLOAD_LIMITS_SETTING = 'candor upload limits';

/**
 * The request body of an upload route as a bounded stream (see boundedUpload), e.g.
 * `upload(@UploadStream('text/csv') csv: Readable)`. Limits: UPLOAD_MAX_BYTES and UPLOAD_MAX_LINE_BYTES.
 */
export const UploadStream = (...types: string[]) =>
  createParamDecorator((accepted: string[], ctx: ExecutionContext): Readable => {
    const req = ctx.switchToHttp().getRequest();
    const limits: UploadLimits = req.app?.get?.(UPLOAD_LIMITS_SETTING) ?? {
      maxBytes: 512 * 1024 * 1024,
      maxLineBytes: 64 * 1024,
    };
    return boundedUpload(req, accepted, limits);
  })(types);

function tooLarge(max: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`Upload larger than ${max} bytes; split it into smaller files`);
}

/** Counts bytes, and bytes since the last newline; returns the 413 to fail with past either limit. */
export class UploadMeter {
  private total = 0;
  private line = 0;
  private lines = 1;

  constructor(private readonly limits: UploadLimits) {}

  feed(chunk: Buffer): PayloadTooLargeException | null {
    this.total += chunk.length;
    if (this.total > this.limits.maxBytes) return tooLarge(this.limits.maxBytes);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      this.line += end - start;
      if (this.line > this.limits.maxLineBytes)
        return new PayloadTooLargeException(
          `Line ${this.lines} is longer than ${this.limits.maxLineBytes} bytes; is this the right file?`,
        );
      if (nl < 0) return null;
      this.line = 0;
      this.lines++;
      start = nl + 1;
    }
  }
}

/**
 * The body of a request, metered. It starts reading only when its consumer first reads (a service may
 * await other work before it iterates), so a limit's error always reaches that consumer. After an error
 * the rest of the request is read and dropped, so the 413 can be answered.
 */
export class BoundedBody extends Readable {
  private started = false;
  private readonly meter: UploadMeter;

  constructor(
    private readonly src: Readable,
    limits: UploadLimits,
  ) {
    super();
    this.meter = new UploadMeter(limits);
  }

  override _read(): void {
    if (this.started) {
      this.src.resume();
      return;
    }
    this.started = true;
    this.src.on('data', (chunk: Buffer) => {
      const problem = this.meter.feed(chunk);
      if (problem) {
        this.src.removeAllListeners('data');
        this.src.resume();
        this.destroy(problem);
      } else if (!this.push(chunk)) this.src.pause();
    });
    this.src.once('end', () => this.push(null));
    this.src.once('error', (e) => this.destroy(e));
  }
}
