import { Inject, Injectable } from '@nestjs/common';
import { OtpSender } from './otp-sender';

export const OTP_SMS = Symbol('OTP_SMS');

@Injectable()
export class SmsOtpSender extends OtpSender {
  constructor(
    @Inject(OTP_SMS) private readonly sms: { send(m: { to: string; body: string }): Promise<unknown> },
  ) {
    super();
  }

  async sendCode(toE164: string, text: string): Promise<void> {
    await this.sms.send({ to: toE164, body: text });
  }
}
