import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../platform/config';
import { EmailProvider, SmtpEmailProvider } from './email-provider';
import { SmsProvider, TwilioSmsProvider } from './sms-provider';
import { EmailStandIn, SmsStandIn } from './stand-ins';

@Injectable()
class EmailPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(EmailProvider) private readonly email: EmailProvider) {}
  onApplicationShutdown(): void {
    this.email.close();
  }
}

function standIn<T>(standIn: T | null | undefined, what: string): T {
  if (!standIn) throw new Error(`No ${what} configured and no local stand-in running`);
  return standIn;
}

/**
 * The SMS and email channels: real Twilio / SMTP when configured, else the local stand-ins (the sandbox,
 * reached through the real twilio client's httpClient and a real SMTP connection). The SMTP pool is closed
 * with the app.
 */
@Global()
@Module({
  providers: [
    {
      provide: SmsProvider,
      inject: [AppConfig, { token: SmsStandIn, optional: true }],
      useFactory: (c: AppConfig, sandbox: SmsStandIn | null | undefined) =>
        new TwilioSmsProvider({
          accountSid: c.twilio.accountSid ?? standIn(sandbox, 'TWILIO_ACCOUNT_SID').accountSid,
          authToken: c.twilio.authToken ?? standIn(sandbox, 'TWILIO_AUTH_TOKEN').authToken,
          from: c.twilio.from,
          baseUrl: c.twilio.apiBaseUrl ?? sandbox?.url,
        }),
    },
    {
      provide: EmailProvider,
      inject: [AppConfig, { token: EmailStandIn, optional: true }],
      useFactory: (c: AppConfig, sink: EmailStandIn | null | undefined) =>
        new SmtpEmailProvider(
          c.smtp.url ?? standIn(sink, 'SMTP_URL').url,
          c.smtp.from,
          c.smtp.maxConnections,
          c.smtp.lookupUrl ?? (c.smtp.url ? undefined : sink?.lookupUrl),
        ),
    },
    EmailPoolCloser,
  ],
  exports: [SmsProvider, EmailProvider],
})
export class ChannelsModule {}
