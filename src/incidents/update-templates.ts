import type { IncidentStatus } from './incident.entity';

/**
 * Starting texts for the usual updates (English and Welsh). `{{services}}` is replaced by the incident's
 * affected services; staff edit the draft before it goes for approval.
 */
export interface UpdateTemplate {
  key: string;
  incidentStatus: IncidentStatus;
  body: string;
  bodyCy: string;
}

export const UPDATE_TEMPLATES: UpdateTemplate[] = [
  {
    key: 'investigating',
    incidentStatus: 'investigating',
    body: 'We are investigating a problem affecting {{services}}. We will share what we know as soon as we can.',
    bodyCy:
      'Rydym yn ymchwilio i broblem sy’n effeithio ar {{services}}. Byddwn yn rhannu’r hyn a wyddom cyn gynted ag y gallwn.',
  },
  {
    key: 'identified',
    incidentStatus: 'identified',
    body: 'We have found the cause of the problem affecting {{services}} and are working on a fix.',
    bodyCy:
      'Rydym wedi dod o hyd i achos y broblem sy’n effeithio ar {{services}} ac rydym yn gweithio ar ateb.',
  },
  {
    key: 'monitoring',
    incidentStatus: 'monitoring',
    body: 'A fix for {{services}} is in place and we are monitoring it closely.',
    bodyCy: 'Mae ateb ar gyfer {{services}} yn ei le ac rydym yn ei fonitro’n agos.',
  },
  {
    key: 'resolved',
    incidentStatus: 'resolved',
    body: 'The problem affecting {{services}} has been resolved. Thank you for your patience.',
    bodyCy: 'Mae’r broblem a oedd yn effeithio ar {{services}} wedi’i datrys. Diolch am eich amynedd.',
  },
  {
    key: 'no-change',
    incidentStatus: 'investigating',
    body: 'There is no change since our last update. Our teams are still working on {{services}}.',
    bodyCy: 'Does dim newid ers ein diweddariad diwethaf. Mae ein timau’n dal i weithio ar {{services}}.',
  },
];

/** The template filled in for an incident, or undefined for an unknown key. */
export function fillTemplate(key: string, services: string[]): UpdateTemplate | undefined {
  const t = UPDATE_TEMPLATES.find((x) => x.key === key);
  if (!t) return undefined;
  const list = services.length ? services.join(', ') : 'our services';
  const listCy = services.length ? services.join(', ') : 'ein gwasanaethau';
  return {
    ...t,
    body: t.body.replaceAll('{{services}}', list),
    bodyCy: t.bodyCy.replaceAll('{{services}}', listCy),
  };
}
