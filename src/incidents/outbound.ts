import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** The notifications contract (docs/CONTRIBUTING.md), until NotificationsService lands on main. */
export interface OutboundMessage {
  kind: string;
  channel: 'sms' | 'email';
  to: string;
  locale?: string;
  vars: Record<string, unknown>;
  dedupeKey: string;
  subscriberId?: string | null;
}

@Injectable()
export class OutboundMessages {
  async queue(_m: EntityManager, _msg: OutboundMessage): Promise<{ id: string; duplicate: boolean }> {
    return { id: 'pending-notifications-module', duplicate: false };
  }
}
