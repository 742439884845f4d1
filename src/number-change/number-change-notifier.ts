import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SubscribersService } from '../subscribers/subscribers.service';
import { emailCodeMessage, NumberChangeStep, OutgoingMessage, stepMessages } from './number-change-messages';
import { NumberChangeRequest } from './number-change-request.entity';

/**
 * The one place number-change messages leave from, inside the caller's transaction, so a step and its
 * confirmations commit (or roll back) together.
 */
@Injectable()
export class NumberChangeNotifier {
  private readonly logger = new Logger(NumberChangeNotifier.name);

  constructor(private readonly subscribers: SubscribersService) {}

  async step(m: EntityManager, request: NumberChangeRequest, step: NumberChangeStep): Promise<void> {
    const s = await this.subscribers.findById(request.subscriberId, m);
    if (s) await this.queue(m, stepMessages(step, request, s));
  }

  async emailCode(m: EntityManager, request: NumberChangeRequest, code: string): Promise<void> {
    const s = await this.subscribers.findById(request.subscriberId, m);
    if (s?.email) await this.queue(m, [emailCodeMessage(request.id, s, code)]);
  }

  private async queue(_m: EntityManager, msgs: OutgoingMessage[]): Promise<void> {
    for (const msg of msgs)
      this.logger.debug(`number-change message ${msg.dedupeKey} (pipeline not wired yet)`);
  }
}
