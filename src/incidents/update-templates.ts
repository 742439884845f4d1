import type { IncidentStatus } from './incident.entity';

/**
 * Starting texts for the usual updates, in English and Welsh: data that supervisors edit (table
 * update_templates, versioned; the shipped ones are seeded by migration 1764740000000). `{{services}}` is
 * replaced by the incident's affected services; staff edit the draft before it goes for approval.
 * A template with no status ("no-change") keeps the incident's status.
 */
export interface UpdateTemplate {
  key: string;
  version: number;
  incidentStatus: IncidentStatus | null;
  body: string;
  bodyCy: string;
}

/** The template filled in for an incident (Welsh services when given, else the English ones). */
export function fillTemplate(
  t: UpdateTemplate,
  services: string[],
  servicesCy?: string[] | null,
): UpdateTemplate {
  const list = services.length ? services.join(', ') : 'our services';
  const cy = servicesCy?.length ? servicesCy : services;
  const listCy = cy.length ? cy.join(', ') : 'ein gwasanaethau';
  return {
    ...t,
    body: t.body.replaceAll('{{services}}', list),
    bodyCy: t.bodyCy.replaceAll('{{services}}', listCy),
  };
}

/** Placeholders a template may use: only {{services}}. Returns the unknown ones. */
export function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]).filter((p) => p !== 'services');
}
