import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IncidentEvents } from '../incidents/incident-events';

type Probe = () => Promise<{ count: number; marker: string }>;

/** How often each open stream checks for changes made elsewhere (another process, another module). */
export const LIVE_CHECK_MS = 5_000;
const HEARTBEAT_MS = 25_000;

/**
 * Server-sent events for the console. Each stream checks its probe every few seconds on the server and
 * sends only when something changed (the browser never polls); incident changes in this process are pushed
 * at once. Streams end with the application.
 */
@Injectable()
export class LiveEvents implements OnApplicationShutdown {
  private readonly open = new Set<() => void>();
  private readonly wakers = new Set<() => void>();

  constructor(events: IncidentEvents) {
    events.on(() => {
      for (const wake of this.wakers) wake();
    });
  }

  stream(req: Request, res: Response, probe: Probe): void {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    let last: { count: number; marker: string } | null = null;
    let busy = false;
    let closed = false;
    const check = async () => {
      if (busy || closed) return;
      busy = true;
      try {
        const now = await probe();
        if (!last || now.count !== last.count)
          res.write(`event: inbox\ndata: ${JSON.stringify({ count: now.count })}\n\n`);
        if (last && now.marker !== last.marker) res.write(`event: changed\ndata: {}\n\n`);
        last = now;
      } catch {
        // the next check tries again; a broken database must not kill the stream
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(check, LIVE_CHECK_MS);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const wake = () => void check();
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearInterval(beat);
      this.wakers.delete(wake);
      this.open.delete(close);
      res.end();
    };
    this.wakers.add(wake);
    this.open.add(close);
    req.on('close', close);
    void check();
  }

  onApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }
}
