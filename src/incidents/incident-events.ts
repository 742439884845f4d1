import { Injectable, Logger } from '@nestjs/common';

export type IncidentEvent =
  { type: 'changed'; incidentId: string } | { type: 'published'; incidentId: string; updateId: string };

/**
 * In-process notifications of committed changes, so the status page (which depends on incidents, not
 * the other way round) can invalidate its cache and fan updates out to subscribers. Emitted after commit;
 * listeners must not throw (a failing listener is logged, never breaks the staff action).
 */
@Injectable()
export class IncidentEvents {
  private readonly logger = new Logger(IncidentEvents.name);
  private readonly listeners: Array<(e: IncidentEvent) => Promise<void> | void> = [];

  on(listener: (e: IncidentEvent) => Promise<void> | void): void {
    this.listeners.push(listener);
  }

  async emit(event: IncidentEvent): Promise<void> {
    for (const l of this.listeners) {
      try {
        await l(event);
      } catch (e) {
        this.logger.error(`listener failed on ${event.type}: ${(e as Error).message}`);
      }
    }
  }
}
