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
import { NumberChangeFraud } from './number-change-fraud';
import { NumberChangeSweeper } from './number-change-sweeper';
import { NumberChangeTransitions } from './number-change-transitions';
import { NumberPoolService } from './number-pool.service';
import { NumberChangeRepository } from './number-change.repository';
import { NumberPoolRepository } from './number-pool.repository';
import { PoolNumber } from './pool-number.entity';
import { HttpProvisioningClient, ProvisioningClient } from './provisioning-client';

declareMessageKinds(NUMBER_CHANGE_KINDS);

@Module({
  imports: [TypeOrmModule.forFeature([NumberChangeRequest, PoolNumber]), SubscribersModule],
  controllers: [CustomerNumberChangeController, NumberChangeController],
  providers: [
    NumberChangeService,
    NumberChangeTransitions,
    NumberChangeFraud,
    NumberChangeSweeper,
    NumberPoolService,
    NumberChangeRepository,
    NumberPoolRepository,
    CutoverService,
    NumberChangeNotifier,
    NumberChangeProcessor,
    ProvisioningSandbox,
    {
      // Without PROVISIONING_URL the in-process sandbox stands in (it warns when it starts), as for SMS and
      // email; it starts at the first cutover, so a process that never runs one (the API, the CLI) opens no
      // port, and a fixed SANDBOX_PROVISIONING_PORT cannot collide with another process's.
      provide: ProvisioningClient,
      inject: [AppConfig, ProvisioningSandbox],
      useFactory: (config: AppConfig, sandbox: ProvisioningSandbox) => {
        const c = config.numberChange;
        return new HttpProvisioningClient(
          c.provisioningUrl ?? (() => sandbox.start(c.sandboxPort)),
          c.provisioningTimeoutMs,
        );
      },
    },
  ],
  exports: [NumberChangeService, NumberPoolService, CutoverService],
})
export class NumberChangeModule {}
