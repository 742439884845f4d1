import { Logger, INestApplication } from '@nestjs/common';
import { Clock } from '../../platform/clock/clock';
import { AppConfig } from '../../platform/config';
import { IncidentUpdatesService } from '../../incidents/incident-updates.service';
import { IncidentsService } from '../../incidents/incidents.service';
import { demoStaff } from './demo-staff';

const log = new Logger('Demo');

/**
 * The story's incident: opened by comms, its first update drafted from a template, approved by a
 * supervisor (a second person) and published; the status page shows it with its next-update promise.
 */
export async function demoIncident(app: INestApplication, config: AppConfig, analysis?: Record<string, any>) {
  const comms = await demoStaff(app, 'comms@candor.test', 'comms');
  const supervisor = await demoStaff(app, 'supervisor@candor.test', 'supervisor');
  const incidents = app.get(IncidentsService);
  const updates = app.get(IncidentUpdatesService);
  const incident = await incidents.create(
    {
      title: 'Mobile numbers shared with websites',
      titleCy: 'Rhifau ffôn symudol wedi’u rhannu â gwefannau',
      summary:
        'A fault in our mobile web gateway added customers’ mobile numbers to requests sent to the websites they visited.',
      summaryCy:
        'Roedd nam yn ein porth gwe symudol wedi ychwanegu rhifau ffôn symudol cwsmeriaid at geisiadau a anfonwyd i’r gwefannau yr oeddent yn ymweld â nhw.',
      advice: 'Be wary of unexpected calls and texts. We will never ask for your password or PIN.',
      adviceCy:
        'Byddwch yn wyliadwrus o alwadau a negeseuon annisgwyl. Ni fyddwn byth yn gofyn am eich cyfrinair na’ch PIN.',
      impact: 'major',
      detectedAt: new Date(app.get(Clock).now().getTime() - 45 * 60_000).toISOString(),
      affectedServices: ['mobile web browsing'],
      affectedServicesCy: ['pori’r we ar ffôn symudol'],
      // A personal-data breach: the regulator's clock runs from becoming aware, and its notice needs Annex II.
      personalDataBreach: true,
      becameAwareAt: new Date(app.get(Clock).now().getTime() - 40 * 60_000).toISOString(),
      ...(analysis?.firstSeen
        ? { exposureFrom: analysis.firstSeen, exposureTo: analysis.lastSeen ?? analysis.firstSeen }
        : {}),
      ...(analysis?.runId ? { analysisRunIds: [analysis.runId] } : {}),
    },
    comms,
  );
  const draft = await updates.draft(incident.id, { template: 'identified' }, comms);
  await updates.approve(incident.id, draft.id, supervisor);
  const published = await updates.publish(incident.id, draft.id, comms);
  log.log(`incident opened and first update published: ${incident.id}`);
  return {
    id: incident.id,
    personalDataBreach: incident.personalDataBreach,
    statusPageUrl: `${config.http.publicBaseUrl}/status/incidents/${incident.id}`,
    nextUpdateBy: published.nextUpdateBy?.toISOString() ?? null,
  };
}
