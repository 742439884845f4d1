import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscriberNumberHistory } from './subscriber-number-history.entity';
import { Subscriber } from './subscriber.entity';
import { SubscribersService } from './subscribers.service';

@Module({
  imports: [TypeOrmModule.forFeature([Subscriber, SubscriberNumberHistory])],
  providers: [SubscribersService],
  exports: [SubscribersService],
})
export class SubscribersModule {}
