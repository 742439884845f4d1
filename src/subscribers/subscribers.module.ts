import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscriberNumberHistory } from './subscriber-number-history.entity';
import { Subscriber } from './subscriber.entity';
import { SubscribersImportService } from './subscribers-import.service';
import { SubscribersService } from './subscribers.service';

@Module({
  imports: [TypeOrmModule.forFeature([Subscriber, SubscriberNumberHistory])],
  providers: [SubscribersService, SubscribersImportService],
  exports: [SubscribersService, SubscribersImportService],
})
export class SubscribersModule {}
