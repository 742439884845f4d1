import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../platform/config';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SmtpSink } from '../sandbox/smtp-sink';
import { TwilioSandbox } from '../sandbox/twilio-sandbox';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { Campaign } from './campaign.entity';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { DispatcherService } from './dispatcher.service';
import { EnqueuerService } from './enqueuer.service';
import { InboundKeywords } from './inbound-keywords';
import { Message } from './message.entity';
import { MessagesController } from './messages.controller';
import { NotificationsService } from './notifications.service';
import { OutboxRepository } from './outbox.repository';
import { EmailProvider, SmtpEmailProvider } from './providers/email-provider';
import { SmsProvider, TwilioSmsProvider } from './providers/sms-provider';
import { SendPacer } from './send-pacer';
import { EmailSendProcessor, SendHandlers, SmsSendProcessor } from './send.processors';
import { SenderService } from './sender.service';
import { TemplateRegistry } from './templates/template-registry';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Injectable()
class EmailPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(EmailProvider) private readonly email: EmailProvider) {}
  onApplicationShutdown(): void {
    this.email.close();
  }
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([Campaign, Message]),
    SandboxModule,
    SubscribersModule,
  ],
  controllers: [CampaignsController, MessagesController, WebhooksController],
  providers: [
    { provide: TemplateRegistry, inject: [AppConfig], useFactory: (c: AppConfig) => new TemplateRegistry(c) },
    {
      // Real Twilio with credentials; else the in-process sandbox, through the real client's httpClient.
      provide: SmsProvider,
      inject: [AppConfig, TwilioSandbox],
      useFactory: (c: AppConfig, sandbox: TwilioSandbox | null) =>
        new TwilioSmsProvider({
          accountSid: c.twilio.accountSid ?? sandbox!.accountSid,
          authToken: c.twilio.authToken ?? sandbox!.authToken,
          from: c.twilio.from,
          baseUrl: c.twilio.apiBaseUrl ?? sandbox?.url,
        }),
    },
    {
      provide: EmailProvider,
      inject: [AppConfig, SmtpSink],
      useFactory: (c: AppConfig, sink: SmtpSink | null) =>
        new SmtpEmailProvider(c.smtp.url ?? sink!.url, c.smtp.from, c.smtp.maxConnections),
    },
    EmailPoolCloser,
    OutboxRepository,
    SendPacer,
    SenderService,
    EnqueuerService,
    DispatcherService,
    CampaignsService,
    NotificationsService,
    InboundKeywords,
    WebhooksService,
    SendHandlers,
    SmsSendProcessor,
    EmailSendProcessor,
  ],
  exports: [NotificationsService, InboundKeywords, SmsProvider, TemplateRegistry],
})
export class NotificationsModule {}
