import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { declareMessageKinds } from '../notifications/message-kinds';
import { AppConfig } from '../platform/config';
import { ProvisioningSandbox } from '../sandbox/provisioning-sandbox';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { CustomerNumberChangeController } from './customer-number-change.controller';
import { CutoverService } from './cutover.service';
import { NumberChangeNotifier } from './number-change-notifier';
import { NumberChangeRequest } from './number-change-request.entity';
import { NUMBER_CHANGE_KINDS } from './number-change-messages';
import { NumberChangeController } from './number-change.controller';
import { NumberChangeProcessor } from './number-change.processor';
import { NumberChangeService } from './number-change.service';
import { NumberPoolService } from './number-pool.service';
import { PoolNumber } from './pool-number.entity';
import { HttpProvisioningClient, ProvisioningClient } from './provisioning-client';

declareMessageKinds(NUMBER_CHANGE_KINDS);

@Module({
  imports: [TypeOrmModule.forFeature([NumberChangeRequest, PoolNumber]), SubscribersModule],
  controllers: [CustomerNumberChangeController, NumberChangeController],
  providers: [
    NumberChangeService,
    NumberPoolService,
    CutoverService,
    NumberChangeNotifier,
    NumberChangeProcessor,
    ProvisioningSandbox,
    {
      // Without PROVISIONING_URL the in-process sandbox stands in (it warns at start), as for SMS and email.
      provide: ProvisioningClient,
      inject: [AppConfig, ProvisioningSandbox],
      useFactory: async (config: AppConfig, sandbox: ProvisioningSandbox) => {
        const c = config.numberChange;
        const url = c.provisioningUrl ?? (await sandbox.start(c.sandboxPort));
        return new HttpProvisioningClient(url, c.provisioningTimeoutMs);
      },
    },
  ],
  exports: [NumberChangeService, NumberPoolService, CutoverService],
})
export class NumberChangeModule {}
