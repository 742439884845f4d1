import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable } from '../database/unavailable';
import { scrubPii } from '../privacy/msisdn';
import { ErrorPages, wantsHtml } from './error-pages';
import { DomainError } from './domain-error';

/** The one JSON error shape every 4xx/5xx uses. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  /** A DomainError's stable code (`not_found`, `conflict`, ...). */
  code?: string;
  message: string;
  details?: unknown;
  requestId?: string;
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  /** `pages`: HTML error pages for browsers (registered by the pages module); without it, JSON always. */
  constructor(private readonly pages?: ErrorPages | null) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse();
    const req = ctx.getRequest();
    const body = toErrorBody(exception);
    body.requestId = req?.id;
    if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE) {
      // A dependency away (database, queue): one line, not a stack per request.
      this.logger.warn(
        scrubPii(`503: ${exception instanceof Error ? exception.message : String(exception)}`),
      );
    } else if (body.statusCode >= 500) {
      this.logger.error(
        scrubPii(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)),
      );
    }
    if (res.headersSent) return;
    const page = this.pages && req && wantsHtml(req.headers?.accept) ? this.pageFor(req, body) : null;
    if (page && 'redirect' in page) {
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, page.redirect);
      return;
    }
    if (page) {
      res.setHeader('Cache-Control', 'no-store');
      res.status(body.statusCode).type('html').send(page.html);
      return;
    }
    res.status(body.statusCode).json(body);
  }

  private pageFor(req: any, body: ErrorBody) {
    try {
      return this.pages!.answer(req, body.statusCode, body.requestId);
    } catch (e) {
      this.logger.error(`error page failed: ${scrubPii((e as Error).message)}`);
      return null;
    }
  }
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof DomainError) {
    const statusCode = exception.status;
    const body: ErrorBody = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      code: exception.code,
      message: scrubPii(exception.message),
    };
    if (exception.details !== undefined) body.details = exception.details;
    return body;
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const error = STATUS_CODES[statusCode] ?? 'Error';
    if (typeof response === 'string') return { statusCode, error, message: scrubPii(response) };
    const r = response as Record<string, unknown>;
    const raw = r.message ?? exception.message;
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw);
    const body: ErrorBody = { statusCode, error, message: scrubPii(message) };
    if (r.details !== undefined) body.details = r.details;
    for (const [k, v] of Object.entries(r)) {
      if (!['message', 'statusCode', 'error', 'details'].includes(k)) (body as any)[k] = v;
    }
    return body;
  }
  // body-parser errors (malformed JSON, too large) carry a status; their own messages quote the body, so a
  // fixed message per kind is sent instead.
  const status = (exception as any)?.status ?? (exception as any)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: bodyErrorMessage(exception, status),
    };
  }
  if (isDatabaseUnavailable(exception))
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: 'The database is not answering; try again shortly',
    };
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    error: 'Internal Server Error',
    message: 'Internal server error',
  };
}

/** A fixed message per body-parser error kind (theirs quote the body). */
export function bodyErrorMessage(e: any, status: number): string {
  switch (e?.type) {
    case 'entity.too.large':
      return `Request body larger than ${e.limit} bytes`;
    case 'entity.parse.failed':
      return 'Malformed request body: it is not valid JSON or form data';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'Unsupported body encoding or charset';
    case 'request.aborted':
      return 'Request aborted';
    default:
      return e?.type
        ? (STATUS_CODES[status] ?? 'Error')
        : scrubPii(String(e?.message ?? STATUS_CODES[status]));
  }
}
