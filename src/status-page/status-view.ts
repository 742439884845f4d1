import type { Locale } from '../platform/locales';
import type { PublicIncident, PublicUpdate } from '../incidents/incidents.service';
import { formatUkTime as formatTime, TimeView } from '../incidents/uk-time';

export { formatTime };

/**
 * Pure view models for the public pages: what each template shows, already localised and formatted
 * (times in UK local time, text in the reader's language or visibly in English when no translation).
 */
export type Strings = Record<string, any>;

export interface UpdateView {
  id: string;
  statusLabel: string;
  published: TimeView;
  body: string;
  /** The language the body is actually in (a missing Welsh text falls back to English, marked lang="en"). */
  lang: Locale;
  untranslated: boolean;
  corrected: TimeView | null;
  earlierVersions: Array<{ body: string; published: TimeView }>;
}

export interface IncidentView {
  id: string;
  title: string;
  titleLang: Locale;
  summary: string;
  advice: string;
  status: string;
  statusLabel: string;
  impact: string;
  impactLabel: string;
  detected: TimeView;
  affectedServices: string;
  nextUpdateBy: TimeView | null;
  resolved: boolean;
  updates: UpdateView[];
}

const IMPACT_ORDER = ['none', 'minor', 'major', 'critical'];

function localised(en: string, cy: string | null, locale: Locale): { text: string; lang: Locale } {
  if (locale === 'cy' && cy) return { text: cy, lang: 'cy' };
  return { text: en, lang: 'en' };
}

export function updateView(u: PublicUpdate, locale: Locale, s: Strings): UpdateView {
  const versions = [{ body: u.body, bodyCy: u.bodyCy, publishedAt: u.publishedAt }, ...u.corrections];
  const current = versions[versions.length - 1];
  const text = localised(current.body, current.bodyCy, locale);
  return {
    id: u.id,
    statusLabel: s.status[u.incidentStatus],
    published: formatTime(u.publishedAt, locale),
    body: text.text,
    lang: text.lang,
    untranslated: locale !== text.lang,
    corrected: u.corrections.length ? formatTime(current.publishedAt, locale) : null,
    earlierVersions: versions.slice(0, -1).map((v) => ({
      body: localised(v.body, v.bodyCy, locale).text,
      published: formatTime(v.publishedAt, locale),
    })),
  };
}

export function incidentView(i: PublicIncident, locale: Locale, s: Strings): IncidentView {
  const title = localised(i.title, i.titleCy, locale);
  return {
    id: i.id,
    title: title.text,
    titleLang: title.lang,
    summary: localised(i.summary, i.summaryCy, locale).text,
    advice: localised(i.advice, i.adviceCy, locale).text,
    status: i.status,
    statusLabel: s.status[i.status],
    impact: i.impact,
    impactLabel: s.impact[i.impact],
    detected: formatTime(i.detectedAt, locale),
    affectedServices: i.affectedServices.join(', '),
    nextUpdateBy: i.nextUpdateBy ? formatTime(i.nextUpdateBy, locale) : null,
    resolved: i.status === 'resolved',
    // Newest first: the reader wants the latest news at the top.
    updates: [...i.updates].reverse().map((u) => updateView(u, locale, s)),
  };
}

/** Statuspage's indicator: the worst impact among open incidents. */
export function overallIndicator(incidents: PublicIncident[]): string {
  const open = incidents.filter((i) => i.status !== 'resolved').map((i) => IMPACT_ORDER.indexOf(i.impact));
  return IMPACT_ORDER[Math.max(0, ...open)];
}

export function pageView(incidents: PublicIncident[], locale: Locale, s: Strings) {
  const views = incidents.map((i) => incidentView(i, locale, s));
  return {
    current: views.filter((v) => !v.resolved),
    past: views.filter((v) => v.resolved),
    indicator: overallIndicator(incidents),
  };
}
