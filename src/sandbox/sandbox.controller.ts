import { Controller, Get, Inject, NotFoundException, Optional } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../platform/http/policy.decorators';
import { mask, maskEmail } from '../platform/privacy';
import { SmtpSink } from './smtp-sink';
import { TwilioSandbox } from './twilio-sandbox';

/**
 * What the local sinks received, for whoever runs the demo (e.g. to read a sign-in code sent to a sample
 * customer). Only exists while no real provider is configured (404 otherwise); admins only; recipients masked.
 */
@ApiTags('sandbox')
@ApiBearerAuth()
@Controller('sandbox')
export class SandboxController {
  constructor(
    @Optional() @Inject(TwilioSandbox) private readonly sms: TwilioSandbox | null,
    @Optional() @Inject(SmtpSink) private readonly mail: SmtpSink | null,
  ) {}

  @Get('sms')
  @Roles('admin')
  smsReceived() {
    if (!this.sms) throw new NotFoundException('the Twilio sandbox is not in use');
    return this.sms.messages.all
      .slice(-50)
      .reverse()
      .map((m) => ({ sid: m.sid, to: mask(m.to), body: m.body, status: m.status, at: m.dateCreated }));
  }

  @Get('emails')
  @Roles('admin')
  emailsReceived() {
    if (!this.mail) throw new NotFoundException('the SMTP sink is not in use');
    return this.mail.messages.all
      .slice(-50)
      .reverse()
      .map((m) => ({
        to: m.envelopeTo.map(maskEmail),
        subject: m.parsed.subject,
        text: m.parsed.text,
        messageId: m.parsed.messageId,
      }));
  }
}
