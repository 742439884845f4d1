import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable } from '../database/unavailable';
import { scrubPii } from '../privacy/msisdn';

/** The one JSON error shape every 4xx/5xx uses. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
  requestId?: string;
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

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
    res.status(body.statusCode).json(body);
  }
}

export function toErrorBody(exception: unknown): ErrorBody {
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
  // body-parser errors (malformed JSON, too large) carry a status
  const status = (exception as any)?.status ?? (exception as any)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: scrubPii(String((exception as any).message)),
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
