import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotificationsService } from '../notifications/notifications.service';
import { SubscribersService } from '../subscribers/subscribers.service';
import {
  emailCodeMessage,
  NumberChangeStep,
  OutgoingMessage,
  reportedMessage,
  stepMessages,
} from './number-change-messages';
import { NumberChangeRequest } from './number-change-request.entity';

/**
 * The one place number-change messages leave from, inside the caller's transaction, so a step and its
 * confirmations commit (or roll back) together; the outbox sends them once the transaction commits.
 */
@Injectable()
export class NumberChangeNotifier {
  constructor(
    private readonly subscribers: SubscribersService,
    private readonly notifications: NotificationsService,
  ) {}

  async step(m: EntityManager, request: NumberChangeRequest, step: NumberChangeStep): Promise<void> {
    const s = await this.subscribers.findById(request.subscriberId, m);
    if (s) await this.queue(m, stepMessages(step, request, s));
  }

  async emailCode(m: EntityManager, request: NumberChangeRequest, code: string): Promise<void> {
    const s = await this.subscribers.findById(request.subscriberId, m);
    if (s?.email) await this.queue(m, [emailCodeMessage(request.id, s, code)]);
  }

  /** Tells the account holder that "Not you?" was used, by the other channel than the reported message's. */
  async reported(
    m: EntityManager,
    subscriberId: string,
    reportId: string,
    channel: 'sms' | 'email',
  ): Promise<void> {
    const s = await this.subscribers.findById(subscriberId, m);
    if (s) await this.queue(m, [reportedMessage(reportId, channel, s.msisdn, s)]);
  }

  /** Dedupe keys (request + step + recipient) make a replayed step queue nothing twice. */
  private async queue(m: EntityManager, msgs: OutgoingMessage[]): Promise<void> {
    for (const msg of msgs) await this.notifications.queue(m, msg);
  }
}
