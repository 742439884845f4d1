import {
  ArgumentMetadata,
  BadRequestException,
  HttpException,
  Injectable,
  OnApplicationShutdown,
  PipeTransform,
} from '@nestjs/common';
import helmet from 'helmet';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { AppConfig } from '../config';
import { bodyErrorMessage, toErrorBody } from './error.filter';

/** The parts of Express's request and response used here (@types/express is not in the tree). */
type Request = IncomingMessage & { id?: string; path: string };
type Response = ServerResponse & { status(code: number): Response; json(body: unknown): void };
type NextFunction = (err?: unknown) => void;
export type RequestHandler = (req: Request, res: Response, next: NextFunction) => void;

/**
 * The request id, set before anything else runs (body parsers included), so every answer, an early
 * body-parser error too, carries it. A caller's `X-Request-Id` is kept when it is a plain token.
 */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', req.id);
    next();
  };
}

/**
 * Express error middleware placed right after the body parsers: their errors become HTTP exceptions with a
 * fixed message (Nest would otherwise pass a JSON SyntaxError's message on, and it quotes the body).
 */
export function bodyParserErrors() {
  return (err: any, _req: unknown, _res: unknown, next: NextFunction) =>
    next(
      err && typeof err.type === 'string' && typeof err.status === 'number' && err.status < 500
        ? new HttpException(bodyErrorMessage(err, err.status), err.status)
        : err,
    );
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_BODY_DEPTH = 32;

/** Why a parsed body is refused before validation, or null: nesting too deep, or text that is not Unicode. */
export function malformedBody(body: unknown): string | null {
  const stack: Array<[unknown, number]> = [[body, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return 'The body contains text that is not valid Unicode';
    } else if (v && typeof v === 'object') {
      if (depth >= MAX_BODY_DEPTH) return `The body is nested more than ${MAX_BODY_DEPTH} levels deep`;
      for (const [k, child] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return 'The body contains text that is not valid Unicode';
        stack.push([child, depth + 1]);
      }
    }
  }
  return null;
}

/**
 * After the body parsers: a body nested absurdly deep (the validator recurses and overflows the stack) or
 * holding unpaired UTF-16 surrogates (`"\ud800"`: the email validator's encodeURI throws) is a 400 here, not
 * a 500 later. Checked without recursion.
 */
export function bodyShapeCheck(): RequestHandler {
  return (req, _res, next) => {
    const problem = malformedBody((req as { body?: unknown }).body);
    next(problem ? new BadRequestException(problem) : undefined);
  };
}

/** Paths served by the single-page console and the API explorer: their own scripts, nothing inline. */
const APP_PATHS = /^\/(console|docs)(\/|$)/;

/**
 * Security headers. Server-rendered pages (status, am I affected, verify, My account) and the JSON API get
 * a CSP that allows no script at all, no framing, and forms posting only to us; the console and /docs
 * get `script-src 'self'`. HSTS is left to the TLS terminator (README, threat model).
 */
export function securityHeaders(): RequestHandler {
  const common = {
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' as const },
    xFrameOptions: { action: 'deny' as const },
  };
  const pages = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
  });
  const app = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
  });
  return (req, res, next) => (APP_PATHS.test(req.path) ? app(req, res, next) : pages(req, res, next));
}

const OPS_PATHS = /^\/(metrics|docs)(\/|-json|$)/;

/**
 * Who may read /metrics and /docs (OPS_ACCESS): everyone (`open`, development), a bearer OPS_TOKEN
 * (`token`), or only connections to the internal OPS_PORT listener (`internal`, the production default).
 * Elsewhere they answer 404, as if they did not exist.
 */
export function opsGate(config: AppConfig): RequestHandler {
  const { opsAccess, opsToken, opsPort } = config.edge;
  const expected = opsToken ? Buffer.from(`Bearer ${opsToken}`) : null;
  return (req, res, next) => {
    if (opsAccess === 'open' || !OPS_PATHS.test(req.path)) return next();
    let allowed: boolean;
    if (opsAccess === 'internal') allowed = opsPort > 0 && req.socket.localPort === opsPort;
    else {
      const given = Buffer.from(req.headers.authorization ?? '');
      allowed = !!expected && given.length === expected.length && timingSafeEqual(given, expected);
    }
    if (allowed) return next();
    res.status(404).json({ ...toErrorBody({ status: 404, message: 'Not Found' }), requestId: req.id });
  };
}

/** What a `CANDOR_ROLE=webhooks` process answers: the providers' callbacks, and health and metrics. */
const WEBHOOK_ROLE_PATHS = /^\/(webhooks\/|health$|metrics$)/;

/**
 * In the webhooks role the process serves only the callback routes (every other path is a 404 before any
 * work), so a proxy can send `/webhooks/` to processes of their own and a flood of callbacks never queues
 * behind the status page or staff requests, nor they behind it.
 */
export function roleGate(config: AppConfig): RequestHandler {
  return (req, res, next) => {
    if (!config.webhooksOnly || WEBHOOK_ROLE_PATHS.test(req.path)) return next();
    res.status(404).json({ ...toErrorBody({ status: 404, message: 'Not Found' }), requestId: req.id });
  };
}

/** The internal listener for /metrics and /docs (OPS_ACCESS=internal, OPS_PORT): the same app, another port. */
@Injectable()
export class OpsListener implements OnApplicationShutdown {
  private server?: Server;

  constructor(private readonly config: AppConfig) {}

  async start(handler: RequestListener): Promise<void> {
    const { opsPort, opsHost } = this.config.edge;
    if (!opsPort || this.server) return;
    const server = createServer(handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opsPort, opsHost, resolve);
    });
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Refuses any string with a NUL character (PostgreSQL cannot store one in text) anywhere in a body, query
 * or route parameter: a 400 naming the field instead of a database error.
 */
@Injectable()
export class RejectNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value; // e.g. an upload stream: not parsed input
    const field = nulField(value, '');
    if (field !== null)
      throw new BadRequestException({
        message: 'Validation failed',
        details: [{ field: field || 'value', messages: ['must not contain NUL characters'] }],
      });
    return value;
  }
}

function nulField(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (!value || typeof value !== 'object' || depth > 20) return null;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value)) return null; // plain data only
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\0')) return path ? `${path}.${k}` : k;
    const hit = nulField(v, path ? `${path}.${k}` : k, depth + 1);
    if (hit !== null) return hit;
  }
  return null;
}
