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
import { Incident } from './incident.entity';
import { IncidentsController } from './incidents.controller';
import { IncidentsProcessor } from './incidents.processor';
import { IncidentsService } from './incidents.service';
import { RegulatorNotice } from './regulator-notice.entity';
import { RemindersService } from './reminders.service';
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
    RemindersService,
    UpdateTemplatesService,
    BreachReportService,
    IncidentEvents,
    IncidentsProcessor,
    { provide: CampaignIncidentPort, useClass: CampaignIncidentAdapter },
    CampaignPauseAlerts,
  ],
  exports: [IncidentsService, IncidentUpdatesService, RemindersService, IncidentEvents],
})
export class IncidentsModule {}
