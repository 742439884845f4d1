import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A campaign the provider stopped, or refused after it finished: what a person must fix. */
export interface CampaignAlert {
  campaignId: string;
  campaignName: string;
  /** The provider's code, e.g. `twilio:30007`. */
  code: string;
  /** Its class: `content` (carrier filtering) or `account` (credentials, region, sender). */
  action: string;
  /** One sentence for people: what happened and what to do. */
  reason: string;
  /** Whether the campaign was paused by it (false: it had finished or was already stopped). */
  paused: boolean;
}

/** Runs inside the pausing transaction: queue messages with `manager` so they commit with the pause. */
export type CampaignAlertHandler = (manager: EntityManager, alert: CampaignAlert) => Promise<void>;

/**
 * Who hears that a campaign was paused by its provider is another module's business (the staff directory lives
 * in identity, which notifications does not reach): a module registers a handler, called in the transaction
 * that pauses the campaign. Without one, the pause is still audited and logged.
 */
@Injectable()
export class CampaignAlerts {
  private readonly logger = new Logger(CampaignAlerts.name);
  private readonly handlers: CampaignAlertHandler[] = [];

  register(handler: CampaignAlertHandler): void {
    this.handlers.push(handler);
  }

  async raise(manager: EntityManager, alert: CampaignAlert): Promise<void> {
    if (!this.handlers.length) this.logger.warn(`campaign ${alert.campaignId} paused; no alert handler`);
    for (const handler of this.handlers) await handler(manager, alert);
  }
}
