import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AnalysisModule } from '../analysis/analysis.module';
import { IncidentsModule } from '../incidents/incidents.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { CustomerPagesController } from './customer-pages.controller';
import { CodeSteps } from './code-steps';
import { CustomerPagesService } from './customer-pages.service';
import { StatusPageCache } from './status-cache';
import { StatusPageController } from './status-page.controller';
import { FanoutTrigger, StatusPageProcessor } from './status-page.processor';
import { StatusPageService } from './status-page.service';
import { StatusFastPath } from './status-fast-path';
import { StatusPageRenderer } from './status-renderer';
import { StatusSubscription } from './status-subscription.entity';
import { SubscriberPreviewController } from './subscriber-preview.controller';
import { SubscriptionsRepository } from './subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';

@Module({
  imports: [
    IncidentsModule,
    AnalysisModule,
    NotificationsModule,
    SubscribersModule,
    TypeOrmModule.forFeature([StatusSubscription]),
  ],
  controllers: [StatusPageController, CustomerPagesController, SubscriberPreviewController],
  providers: [
    StatusPageCache,
    StatusPageRenderer,
    StatusPageService,
    SubscriptionsRepository,
    SubscriptionsService,
    StatusPageProcessor,
    FanoutTrigger,
    StatusFastPath,
    CustomerPagesService,
    CodeSteps,
  ],
  exports: [StatusPageCache, SubscriptionsService, StatusPageRenderer, CodeSteps],
})
export class StatusPageModule {}
