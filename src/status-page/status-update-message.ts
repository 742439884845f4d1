import type { IncidentUpdate } from '../incidents/incident-update.entity';
import type { Incident } from '../incidents/incident.entity';
import { formatUkTime } from '../incidents/uk-time';
import type { Locale } from '../platform/locales';

/**
 * The variables of a `status-update` message in one locale (all but the per-subscription unsubscribe link):
 * one function for the fan-out and the drafting preview, so the preview shows what subscribers will get.
 */
export function statusUpdateVars(
  incident: Pick<Incident, 'id' | 'title' | 'titleCy'>,
  update: Pick<IncidentUpdate, 'incidentStatus' | 'body' | 'bodyCy' | 'correctsId' | 'nextUpdateBy'>,
  locale: Locale,
  statusLabel: string,
  baseUrl: string,
) {
  const cy = locale === 'cy';
  return {
    incidentTitle: (cy && incident.titleCy) || incident.title,
    statusLabel,
    body: (cy && update.bodyCy) || update.body,
    correction: !!update.correctsId,
    nextUpdateBy: update.nextUpdateBy ? formatUkTime(update.nextUpdateBy, locale).text : '',
    statusUrl: `${baseUrl}/status/incidents/${incident.id}${cy ? '?lang=cy' : ''}`,
  };
}
