import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IncidentEvents } from '../incidents/incident-events';
import { EventStreams } from '../platform/http/event-stream';

type Probe = () => Promise<{ count: number; marker: string }>;

/** How often each open stream checks for changes made elsewhere (another process, another module). */
export const LIVE_CHECK_MS = 5_000;

/**
 * Server-sent events for the console's inbox. Each stream checks its probe every few seconds on the server
 * and sends only when something changed (the browser never polls); incident changes in this process are
 * pushed at once. Streams end with the application.
 */
@Injectable()
export class LiveEvents {
  constructor(
    events: IncidentEvents,
    private readonly streams: EventStreams,
  ) {
    events.on(() => this.streams.wakeAll());
  }

  stream(req: Request, res: Response, probe: Probe): void {
    let last: { count: number; marker: string } | null = null;
    this.streams.open(req, res, LIVE_CHECK_MS, async (send) => {
      const now = await probe();
      if (!last || now.count !== last.count) send('inbox', { count: now.count });
      if (last && now.marker !== last.marker) send('changed', {});
      last = now;
    });
  }
}
