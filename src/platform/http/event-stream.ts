import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';

const HEARTBEAT_MS = 25_000;

/** Sends one server-sent event. */
export type SendEvent = (event: string, data: unknown) => void;

export interface EventStream {
  /** Runs the check now (something changed in this process); a check already running is not doubled. */
  wake(): void;
  close(): void;
}

/** A request that wants server-sent events (otherwise routes answer one JSON snapshot). */
export function wantsEventStream(req: Request): boolean {
  return String(req.headers.accept ?? '').includes('text/event-stream');
}

/**
 * A server-sent-events response for the console's live views: `check` runs at once, every `everyMs` and on
 * `wake()`, and sends what changed (the browser never polls). Checks never overlap; a failed check is
 * retried at the next tick (a broken database must not kill the stream). A comment line keeps proxies from
 * closing an idle stream. Ends when the client goes or `close()` is called.
 */
export function openEventStream(
  req: Request,
  res: Response,
  everyMs: number,
  check: (send: SendEvent) => Promise<void>,
  onClose?: () => void,
): EventStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 3000\n\n');
  let busy = false;
  let closed = false;
  const send: SendEvent = (event, data) => {
    if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const run = async () => {
    if (busy || closed) return;
    busy = true;
    try {
      await check(send);
    } catch {
      // the next tick tries again
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void run(), everyMs);
  const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    clearInterval(beat);
    onClose?.();
    res.end();
  };
  req.on('close', close);
  void run();
  return { wake: () => void run(), close };
}

/**
 * The open streams of one module, ended when the application shuts down (a browser's open stream would
 * otherwise hold the server open). Each module that streams lists it among its providers.
 */
@Injectable()
export class EventStreams implements OnApplicationShutdown {
  private readonly streams = new Set<EventStream>();

  open(req: Request, res: Response, everyMs: number, check: (send: SendEvent) => Promise<void>): EventStream {
    const s: EventStream = openEventStream(req, res, everyMs, check, () => this.streams.delete(s));
    this.streams.add(s);
    return s;
  }

  /**
   * A live view of one thing (a campaign's progress, a run): `load()` once at once (its 404 is the route's,
   * before any stream opens), then as server-sent `event`s each time it differs, checked every `everyMs`.
   * A request that does not accept `text/event-stream` gets the one JSON answer.
   */
  async follow(req: Request, res: Response, event: string, everyMs: number, load: () => Promise<unknown>) {
    const first = await load();
    if (!wantsEventStream(req)) {
      res.json(first);
      return;
    }
    let last = '';
    this.open(req, res, everyMs, async (send) => {
      const now = last ? await load() : first;
      const json = JSON.stringify(now);
      if (json !== last) send(event, now);
      last = json;
    });
  }

  /** Wakes every open stream (a change in this process). */
  wakeAll(): void {
    for (const s of this.streams) s.wake();
  }

  onApplicationShutdown(): void {
    for (const s of [...this.streams]) s.close();
  }
}
