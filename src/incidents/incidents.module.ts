import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BreachReportService } from './breach-report.service';
import { CampaignIncidentAdapter } from './campaign-incident.adapter';
import { CampaignIncidentPort } from '../notifications/campaign-incident.port';
import { CampaignPauseAlerts } from './campaign-pause-alerts';
import { IncidentEvents } from './incident-events';
import { IncidentTextChange } from './incident-text-change.entity';
import { IncidentReminder } from './incident-reminder.entity';
import { IncidentUpdate } from './incident-update.entity';
import { IncidentUpdatesService } from './incident-updates.service';
import { IncidentTextChangesService } from './incident-text-changes.service';
import { Incident } from './incident.entity';
import { IncidentsController } from './incidents.controller';
import { IncidentsProcessor } from './incidents.processor';
import { IncidentsService } from './incidents.service';
import { RegulatorNotice } from './regulator-notice.entity';
import { RegulatorNoticesService } from './regulator-notices.service';
import { RemindersService } from './reminders.service';
import { UpdateReviewService } from './update-review.service';
import { UpdateTransitions } from './update-transitions';
import { UpdateRepository } from './update.repository';
import { IncidentsRepository } from './incidents.repository';
import { RemindersRepository } from './reminders.repository';
import { TextChangeRepository } from './text-change.repository';
import { UpdateTemplatesRepository } from './update-templates.repository';
import { UpdateTemplatesService } from './update-templates.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      Incident,
      IncidentUpdate,
      IncidentReminder,
      RegulatorNotice,
      IncidentTextChange,
    ]),
  ],
  controllers: [IncidentsController],
  providers: [
    IncidentsService,
    IncidentUpdatesService,
    UpdateTransitions,
    IncidentsRepository,
    UpdateRepository,
    RemindersRepository,
    TextChangeRepository,
    UpdateTemplatesRepository,
    UpdateReviewService,
    IncidentTextChangesService,
    RegulatorNoticesService,
    RemindersService,
    UpdateTemplatesService,
    BreachReportService,
    IncidentEvents,
    IncidentsProcessor,
    { provide: CampaignIncidentPort, useClass: CampaignIncidentAdapter },
    CampaignPauseAlerts,
  ],
  exports: [
    IncidentsService,
    IncidentUpdatesService,
    UpdateReviewService,
    IncidentTextChangesService,
    RemindersService,
    IncidentEvents,
  ],
})
export class IncidentsModule {}
