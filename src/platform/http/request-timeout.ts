import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from './error.filter';

/** Uploads stream for as long as the client sends; only ordinary requests are held to the limit. */
function isUpload(req: IncomingMessage): boolean {
  const type = String(req.headers['content-type'] ?? '');
  return /^(text\/csv|multipart\/|application\/octet-stream|application\/gzip)/.test(type);
}

/**
 * A request still unanswered after `ms` (a hung database, a lost queue) gets a 503 in the one error shape and
 * the client moves on, instead of a socket that hangs until the dependency returns. Work already started goes
 * on in the background; its late answer is dropped. Responses that have started (streamed exports) are left alone.
 */
export function requestTimeout(ms: number) {
  return (req: IncomingMessage & { id?: string }, res: ServerResponse, next: () => void): void => {
    if (!ms || isUpload(req)) return next();
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      const body: ErrorBody = {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The request took too long (a dependency is not answering); try again shortly',
        requestId: req.id,
      };
      res.statusCode = 503;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('retry-after', '5');
      res.end(JSON.stringify(body));
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}
