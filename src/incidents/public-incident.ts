import type { HelpBlock, IncidentStatus, Impact } from './incident.entity';

/** What the public may see of an incident: published updates only, corrections folded into their original. */
export interface PublicUpdate {
  id: string;
  incidentStatus: IncidentStatus;
  /** Set when this update moved the status backwards (e.g. monitoring → investigating): shown as such. */
  statusBackFrom: IncidentStatus | null;
  body: string;
  bodyCy: string | null;
  publishedAt: Date;
  nextUpdateBy: Date | null;
  /** Visible revisions, oldest first; the last one is the text in force. */
  corrections: Array<{ id: string; body: string; bodyCy: string | null; publishedAt: Date }>;
}

export interface PublicIncident {
  id: string;
  title: string;
  titleCy: string | null;
  summary: string;
  summaryCy: string | null;
  advice: string;
  adviceCy: string | null;
  impact: Impact;
  status: IncidentStatus;
  detectedAt: Date;
  resolvedAt: Date | null;
  affectedServices: string[];
  affectedServicesCy: string[] | null;
  personalDataBreach: boolean;
  helpBlocks: HelpBlock[];
  /** The promise in force (null once resolved). */
  nextUpdateBy: Date | null;
  lastPublishedAt: Date;
  updates: PublicUpdate[];
}

const STATUS_RANK: Record<IncidentStatus, number> = {
  investigating: 0,
  identified: 1,
  monitoring: 2,
  resolved: 3,
};

/** True when announcing `to` on an incident in `from` moves it backwards (shown and chosen explicitly). */
export function isStatusBack(from: IncidentStatus, to: IncidentStatus): boolean {
  return STATUS_RANK[to] < STATUS_RANK[from];
}

/** One published update with its incident's public columns (the status page's single read). */
export type PublishedRow = Omit<PublicIncident, 'nextUpdateBy' | 'lastPublishedAt' | 'updates'> & {
  updateId: string;
  updateIncidentStatus: IncidentStatus;
  updateStatusFrom: IncidentStatus | null;
  updateBody: string;
  updateBodyCy: string | null;
  updatePublishedAt: Date;
  updateNextUpdateBy: Date | null;
  updateCorrectsId: string | null;
};

/**
 * The public view from the published rows (incident after incident, each one's updates oldest first): a
 * correction is folded into the update it corrects, the promise in force is the latest update's (none once
 * resolved).
 */
export function foldPublished(rows: readonly PublishedRow[]): PublicIncident[] {
  const byId = new Map<string, PublicIncident>();
  for (const r of rows) {
    let inc = byId.get(r.id);
    if (!inc) {
      inc = {
        id: r.id,
        title: r.title,
        titleCy: r.titleCy,
        summary: r.summary,
        summaryCy: r.summaryCy,
        advice: r.advice,
        adviceCy: r.adviceCy,
        impact: r.impact,
        status: r.status,
        detectedAt: r.detectedAt,
        resolvedAt: r.resolvedAt,
        affectedServices: r.affectedServices,
        affectedServicesCy: r.affectedServicesCy,
        personalDataBreach: r.personalDataBreach,
        helpBlocks: r.helpBlocks,
        nextUpdateBy: null,
        lastPublishedAt: r.updatePublishedAt,
        updates: [],
      };
      byId.set(r.id, inc);
    }
    inc.lastPublishedAt = r.updatePublishedAt;
    if (r.updateCorrectsId) {
      inc.updates
        .find((u) => u.id === r.updateCorrectsId)
        ?.corrections.push({
          id: r.updateId,
          body: r.updateBody,
          bodyCy: r.updateBodyCy,
          publishedAt: r.updatePublishedAt,
        });
      continue;
    }
    inc.nextUpdateBy = r.status === 'resolved' ? null : r.updateNextUpdateBy;
    const from = r.updateStatusFrom;
    inc.updates.push({
      id: r.updateId,
      incidentStatus: r.updateIncidentStatus,
      statusBackFrom: from && isStatusBack(from, r.updateIncidentStatus) ? from : null,
      body: r.updateBody,
      bodyCy: r.updateBodyCy,
      publishedAt: r.updatePublishedAt,
      nextUpdateBy: r.updateNextUpdateBy,
      corrections: [],
    });
  }
  return [...byId.values()];
}
