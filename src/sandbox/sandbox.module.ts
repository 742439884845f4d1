import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { EmailStandIn, SmsStandIn } from '../channels/stand-ins';
import { AppConfig } from '../platform/config';
import { SandboxController } from './sandbox.controller';
import { SmtpSink } from './smtp-sink';
import { TwilioSandbox } from './twilio-sandbox';

/** Stops the in-process sinks with the app. */
@Injectable()
class SandboxCloser implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(TwilioSandbox) private readonly twilio: TwilioSandbox | null,
    @Optional() @Inject(SmtpSink) private readonly smtp: SmtpSink | null,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.twilio?.stop();
    await this.smtp?.stop();
  }
}

/**
 * The local Twilio-compatible API and SMTP sink, started in-process when no real provider is configured
 * (no TWILIO_ACCOUNT_SID / no SMTP_URL), so a fresh machine runs the whole story end to end.
 * Each provider is null when the real (or an external) one is configured.
 */
@Global()
@Module({
  controllers: [SandboxController],
  providers: [
    {
      provide: TwilioSandbox,
      inject: [AppConfig],
      useFactory: async (c: AppConfig) => {
        if (c.twilio.accountSid) return null;
        const s = await new TwilioSandbox({ port: c.twilio.sandboxPort }).start();
        new Logger('Sandbox').log(`Twilio sandbox on ${s.url} (no TWILIO_ACCOUNT_SID set)`);
        return s;
      },
    },
    {
      provide: SmtpSink,
      inject: [AppConfig],
      useFactory: async (c: AppConfig) => {
        if (c.smtp.url) return null;
        const s = await new SmtpSink(c.smtp.sandboxPort).start();
        new Logger('Sandbox').log(`SMTP sink on ${s.url} (no SMTP_URL set)`);
        return s;
      },
    },
    { provide: SmsStandIn, useExisting: TwilioSandbox },
    { provide: EmailStandIn, useExisting: SmtpSink },
    SandboxCloser,
  ],
  exports: [TwilioSandbox, SmtpSink, SmsStandIn, EmailStandIn],
})
export class SandboxModule {}
