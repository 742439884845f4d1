import { Module } from '@nestjs/common';
import { CompensationModule } from '../compensation/compensation.module';
import { IncidentsModule } from '../incidents/incidents.module';
import { declareMessageKinds } from '../notifications/message-kinds';
import { NumberChangeModule } from '../number-change/number-change.module';
import { EventStreams } from '../platform/http/event-stream';
import { APPROVAL_KINDS } from './approval-messages';
import { ApprovalRemindersService } from './approval-reminders.service';
import { ApprovalsController } from './approvals.controller';
import { approvalsQueue, ApprovalsProcessor } from './approvals.processor';
import { ApprovalsService } from './approvals.service';
import { LiveEvents } from './live-events';

// Reminders of approvals that wait too long are an outbox message kind of this module.
declareMessageKinds(APPROVAL_KINDS);

/** The staff console's inbox and live view, over what other modules own (read through their services). */
@Module({
  imports: [IncidentsModule, CompensationModule, NumberChangeModule, approvalsQueue()],
  controllers: [ApprovalsController],
  providers: [ApprovalsService, LiveEvents, EventStreams, ApprovalRemindersService, ApprovalsProcessor],
})
export class ApprovalsModule {}
