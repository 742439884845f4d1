import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { NotificationsService } from '../notifications/notifications.service';
import { OtpSender, SignInCode } from './otp-sender';

/**
 * Sign-in codes go through the outbox like every other message: the row is written with the challenge and
 * sent within a second of commit; the outbox clears a message's variables (the code) once it is sent.
 */
@Injectable()
export class OutboxOtpSender extends OtpSender {
  constructor(private readonly notifications: NotificationsService) {
    super();
  }

  async queueCode(manager: EntityManager, c: SignInCode): Promise<void> {
    await this.notifications.queue(manager, {
      kind: 'customer-sign-in-code',
      channel: 'sms',
      to: c.toE164,
      locale: c.locale,
      vars: { code: c.code, minutes: String(c.minutes) },
      dedupeKey: `otp:${c.challengeId}`,
      subscriberId: c.subscriberId,
    });
  }
}
