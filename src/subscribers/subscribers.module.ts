import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscriberNumberHistory } from './subscriber-number-history.entity';
import { Subscriber } from './subscriber.entity';
import { SubscribersImportService } from './subscribers-import.service';
import { SubscribersService } from './subscribers.service';
import { SubscribersImportRepository } from './subscribers-import.repository';
import { SubscribersRepository } from './subscribers.repository';

@Module({
  imports: [TypeOrmModule.forFeature([Subscriber, SubscriberNumberHistory])],
  providers: [
    SubscribersService,
    SubscribersImportService,
    SubscribersRepository,
    SubscribersImportRepository,
  ],
  exports: [SubscribersService, SubscribersImportService],
})
export class SubscribersModule {}
