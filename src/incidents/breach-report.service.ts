import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AudiencePort } from '../subscribers/audience.port';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { IncidentsRepository } from './incidents.repository';
import { IncidentsService } from './incidents.service';
import { RegulatorNotice } from './regulator-notice.entity';
import { regulatorClocks } from './regulator-rules';
import { Unprocessable } from '../platform/http/domain-error';
import { CampaignsService } from '../notifications/campaigns.service';

/** The breach-notice paragraphs that also answer the regulator's questions (the latest approved campaign's). */
const FROM_NOTICE = ['dataConcerned', 'likelyConsequences', 'measuresTaken', 'measuresRecommended'] as const;

/**
 * The regulator's paperwork of a personal-data breach, drafted from what Candor knows: the ICO notification
 * (nature, categories and approximate numbers of people and records, likely consequences, measures, contact;
 * UK GDPR Art. 33(3), PECR reg. 5A and Regulation 611/2013 Annex I) and the breach log a provider must keep
 * (PECR reg. 5A(8)). Missing items are listed, not invented: the rules allow information in phases.
 */
@Injectable()
export class BreachReportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly incidents: IncidentsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly campaigns: CampaignsService,
    private readonly repository: IncidentsRepository,
    @Optional() private readonly analysis?: AudiencePort,
  ) {}

  async icoNotification(id: string) {
    const incident = await this.incidents.get(id);
    if (!incident.personalDataBreach || !incident.becameAwareAt)
      throw new Unprocessable('The ICO notification is for personal-data breach incidents only');
    let people = 0;
    let records = 0;
    const runs: string[] = [];
    for (const runId of incident.analysisRunIds) {
      const counts = await this.analysis?.exposureCounts(runId);
      if (!counts) continue;
      runs.push(runId);
      people += counts.people;
      records += counts.records;
    }
    const notice = await this.campaigns.latestApproved(id, 'breach-notice');
    const paragraphs: Record<string, string> = notice?.vars ?? {};
    const notices = await this.db.getRepository(RegulatorNotice).find({ where: { incidentId: id } });
    const draft = {
      provider: this.config.comms.operatorName,
      contactPoint: this.config.comms.contactPoint,
      incidentId: id,
      title: incident.title,
      natureOfBreach: incident.summary || incident.title,
      becameAwareAt: incident.becameAwareAt.toISOString(),
      detectedAt: incident.detectedAt.toISOString(),
      breachWindow: {
        from: incident.exposureFrom?.toISOString() ?? null,
        to: incident.exposureTo?.toISOString() ?? null,
      },
      affectedServices: incident.affectedServices,
      approximatePeople: runs.length ? people : null,
      approximateRecords: runs.length ? records : null,
      analysisRunIds: runs,
      dataConcerned: paragraphs.dataConcerned ?? null,
      likelyConsequences: paragraphs.likelyConsequences ?? null,
      measuresTaken: paragraphs.measuresTaken ?? null,
      measuresRecommended: paragraphs.measuresRecommended ?? null,
      customersNotified: !!notice,
      clocks: regulatorClocks(incident, this.clock.now(), notices),
      phases: notices
        .sort((a, b) => a.notifiedAt.getTime() - b.notifiedAt.getTime())
        .map((n) => ({
          kind: n.kind,
          phase: n.phase,
          notifiedAt: n.notifiedAt.toISOString(),
          reference: n.reference,
          delayReasons: n.delayReasons,
        })),
    };
    const missing = [
      ...(draft.approximatePeople === null ? ['approximatePeople (no completed analysis run linked)'] : []),
      ...FROM_NOTICE.filter((k) => !draft[k]).map((k) => `${k} (from an approved breach notice)`),
      ...(draft.breachWindow.from ? [] : ['breachWindow (exposureFrom/exposureTo)']),
    ];
    return { ...draft, missing };
  }

  /** The notification as plain text, for pasting into the ICO's form or attaching to an email. */
  async icoNotificationText(id: string): Promise<string> {
    const d = await this.icoNotification(id);
    const line = (label: string, v: unknown) =>
      `${label}: ${v ?? '(not known yet; to follow in a later phase)'}`;
    return [
      `Personal data breach notification: ${d.title}`,
      line('Service provider', d.provider),
      line('Contact point', d.contactPoint),
      line('Nature of the breach', d.natureOfBreach),
      line('Became aware', d.becameAwareAt),
      line('Detected', d.detectedAt),
      line(
        'Breach window',
        d.breachWindow.from ? `${d.breachWindow.from} to ${d.breachWindow.to ?? 'ongoing'}` : null,
      ),
      line('Services affected', d.affectedServices.join(', ')),
      line('Approximate number of people', d.approximatePeople),
      line('Approximate number of records', d.approximateRecords),
      line('Categories of personal data', d.dataConcerned),
      line('Likely consequences', d.likelyConsequences),
      line('Measures taken or proposed', d.measuresTaken),
      line('Measures recommended to customers', d.measuresRecommended),
      line('Customers notified', d.customersNotified ? 'yes' : 'not yet'),
      ...d.clocks.map((c) => line(`${c.label} (${c.standard})`, `${c.state}, deadline ${c.deadline}`)),
      ...d.phases.map((p) =>
        line(
          `Recorded ${p.kind} ${p.phase}`,
          `${p.notifiedAt} ref ${p.reference}${p.delayReasons ? `; delay: ${p.delayReasons}` : ''}`,
        ),
      ),
      '',
    ].join('\n');
  }

  /** Every personal-data breach with its facts and notifications, as CSV (the provider's breach log). */
  async breachLogCsv(): Promise<string> {
    const rows = await this.repository.breachLog();
    const iso = (d: Date | null) => d?.toISOString() ?? '';
    const header =
      'incident_id,title,impact,status,became_aware_at,detected_at,exposure_from,exposure_to,rules,notifications,delay_reasons,resolved_at';
    return (
      [
        header,
        ...rows.map((r) =>
          [
            r.id,
            r.title,
            r.impact,
            r.status,
            iso(r.becameAwareAt),
            iso(r.detectedAt),
            iso(r.exposureFrom),
            iso(r.exposureTo),
            r.regulatorRules.join(' '),
            r.notices,
            r.delayReasons,
            iso(r.resolvedAt),
          ]
            .map(csvText)
            .join(','),
        ),
      ].join('\n') + '\n'
    );
  }
}

/** A CSV text cell: quoted when needed, and never read as a formula by a spreadsheet. */
function csvText(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
