import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IncidentsModule } from '../incidents/incidents.module';
import { StatusPageCache } from './status-cache';
import { StatusPageController } from './status-page.controller';
import { FanoutTrigger, StatusPageProcessor } from './status-page.processor';
import { StatusPageService } from './status-page.service';
import { StatusFastPath } from './status-fast-path';
import { StatusPageRenderer } from './status-renderer';
import { StatusSubscription } from './status-subscription.entity';
import { STATUS_PAGE_QUEUE, SubscriptionsService } from './subscriptions.service';

@Module({
  imports: [
    IncidentsModule,
    TypeOrmModule.forFeature([StatusSubscription]),
    BullModule.registerQueue({ name: STATUS_PAGE_QUEUE }),
  ],
  controllers: [StatusPageController],
  providers: [
    StatusPageCache,
    StatusPageRenderer,
    StatusPageService,
    SubscriptionsService,
    StatusPageProcessor,
    FanoutTrigger,
    StatusFastPath,
  ],
  exports: [StatusPageCache, SubscriptionsService],
})
export class StatusPageModule {}
