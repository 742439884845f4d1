import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../platform/config';
import { EventStreams } from '../platform/http/event-stream';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { Campaign } from './campaign.entity';
import { CampaignsController } from './campaigns.controller';
import { CampaignAlerts } from './campaign-alerts';
import { CampaignSendBackService } from './campaign-send-back.service';
import { CampaignsService } from './campaigns.service';
import { CampaignAudience } from './campaign-audience.service';
import { CampaignBuilder } from './campaign-builder';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { CampaignPreview } from './campaign-preview.service';
import { CampaignProgress } from './campaign-progress.service';
import { CallbackFastPath } from './callback-fast-path';
import { DeliveryCallbacksRepository } from './delivery-callbacks.repository';
import { DeliveryCallbacksProcessor, DeliveryCallbacksService } from './delivery-callbacks.service';
import { CampaignAwareness } from './campaign-awareness.service';
import { NoticeComposer } from './notice-composer.service';
import { DispatcherService } from './dispatcher.service';
import { EnqueuerService } from './enqueuer.service';
import { InboundKeywords } from './inbound-keywords';
import { Message } from './message.entity';
import { MessagesController } from './messages.controller';
import { NotificationsService } from './notifications.service';
import { MessagesRepository } from './messages.repository';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignAudienceRepository } from './campaign-audience.repository';
import { CampaignMessagesRepository } from './campaign-messages.repository';
import { OutboxQueueRepository } from './outbox-queue.repository';
import { OutboxRepository } from './outbox.repository';
import { SendLease } from './send-lease';
import { SendPacer } from './send-pacer';
import { EmailSendProcessor, SendHandlers, SmsSendProcessor } from './send.processors';
import { SenderService } from './sender.service';
import { TemplateRegistry } from './templates/template-registry';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Campaign, Message]), SubscribersModule],
  controllers: [CampaignsController, MessagesController, WebhooksController],
  providers: [
    { provide: TemplateRegistry, inject: [AppConfig], useFactory: (c: AppConfig) => new TemplateRegistry(c) },
    OutboxRepository,
    OutboxQueueRepository,
    MessagesRepository,
    CampaignsRepository,
    CampaignAudienceRepository,
    CampaignMessagesRepository,
    SendPacer,
    SendLease,
    SenderService,
    EnqueuerService,
    DispatcherService,
    CampaignsService,
    CampaignAudience,
    CampaignBuilder,
    CampaignLifecycle,
    CampaignPreview,
    CampaignProgress,
    CampaignSendBackService,
    NoticeComposer,
    CampaignAwareness,
    EventStreams,
    NotificationsService,
    InboundKeywords,
    CampaignAlerts,
    WebhooksService,
    DeliveryCallbacksRepository,
    DeliveryCallbacksService,
    DeliveryCallbacksProcessor,
    CallbackFastPath,
    SendHandlers,
    SmsSendProcessor,
    EmailSendProcessor,
  ],
  exports: [
    NotificationsService,
    InboundKeywords,
    TemplateRegistry,
    CampaignsService,
    CampaignLifecycle,
    CampaignPreview,
    CampaignProgress,
    CampaignAlerts,
  ],
})
export class NotificationsModule {}
