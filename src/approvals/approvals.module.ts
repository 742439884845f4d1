import { Module } from '@nestjs/common';
import { CompensationModule } from '../compensation/compensation.module';
import { IncidentsModule } from '../incidents/incidents.module';
import { NumberChangeModule } from '../number-change/number-change.module';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsService } from './approvals.service';
import { LiveEvents } from './live-events';

/** The staff console's inbox and live view, over what other modules own (read through their services). */
@Module({
  imports: [IncidentsModule, CompensationModule, NumberChangeModule],
  controllers: [ApprovalsController],
  providers: [ApprovalsService, LiveEvents],
})
export class ApprovalsModule {}
