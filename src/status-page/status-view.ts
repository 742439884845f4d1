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
  /** "Status moved back from Monitoring a fix": a deliberate move backwards, said plainly. */
  statusBack: string | null;
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
  /** The promise lapsed with no update since: the page says the update is late and when it was due. */
  late: TimeView | null;
  resolved: boolean;
  breach: boolean;
  help: { affected: boolean; offers: boolean; numberChange: boolean };
  updates: UpdateView[];
}

const IMPACT_RANK: Record<string, number> = { none: 0, minor: 1, major: 2, critical: 3 };

/** Incidents in the order a reader needs them: the worst impact first, then the most recent. */
export function byImpactThenRecency<T extends { impact: string; detectedAt: Date }>(list: T[]): T[] {
  return [...list].sort(
    (a, b) =>
      (IMPACT_RANK[b.impact] ?? 0) - (IMPACT_RANK[a.impact] ?? 0) ||
      b.detectedAt.getTime() - a.detectedAt.getTime(),
  );
}

const IMPACT_ORDER = ['none', 'minor', 'major', 'critical'];

function localised(en: string, cy: string | null, locale: Locale): { text: string; lang: Locale } {
  if (locale === 'cy' && cy) return { text: cy, lang: 'cy' };
  return { text: en, lang: 'en' };
}

export function updateView(u: PublicUpdate, locale: Locale, s: Strings, now?: Date): UpdateView {
  const versions = [{ body: u.body, bodyCy: u.bodyCy, publishedAt: u.publishedAt }, ...u.corrections];
  const current = versions[versions.length - 1];
  const text = localised(current.body, current.bodyCy, locale);
  return {
    id: u.id,
    statusLabel: s.status[u.incidentStatus],
    statusBack: u.statusBackFrom ? `${s.statusBackFrom} ${s.status[u.statusBackFrom]}` : null,
    published: formatTime(u.publishedAt, locale, now),
    body: text.text,
    lang: text.lang,
    untranslated: locale !== text.lang,
    corrected: u.corrections.length ? formatTime(current.publishedAt, locale, now) : null,
    earlierVersions: versions.slice(0, -1).map((v) => ({
      body: localised(v.body, v.bodyCy, locale).text,
      published: formatTime(v.publishedAt, locale, now),
    })),
  };
}

/** `now` (the injected clock) decides lateness and whether dates need their year. */
export function incidentView(i: PublicIncident, locale: Locale, s: Strings, now?: Date): IncidentView {
  const title = localised(i.title, i.titleCy, locale);
  const services =
    locale === 'cy' && i.affectedServicesCy?.length ? i.affectedServicesCy : i.affectedServices;
  const lapsed = !!(
    now &&
    i.nextUpdateBy &&
    i.status !== 'resolved' &&
    i.nextUpdateBy.getTime() <= now.getTime()
  );
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
    detected: formatTime(i.detectedAt, locale, now),
    affectedServices: services.join(', '),
    nextUpdateBy: i.nextUpdateBy && !lapsed ? formatTime(i.nextUpdateBy, locale, now) : null,
    late: lapsed ? formatTime(i.nextUpdateBy!, locale, now) : null,
    resolved: i.status === 'resolved',
    breach: i.personalDataBreach,
    help: {
      affected: i.helpBlocks.includes('affected'),
      offers: i.helpBlocks.includes('offers'),
      numberChange: i.helpBlocks.includes('number_change'),
    },
    // Newest first: the reader wants the latest news at the top.
    updates: [...i.updates].reverse().map((u) => updateView(u, locale, s, now)),
  };
}

/** Statuspage's indicator: the worst impact among open incidents. */
export function overallIndicator(incidents: PublicIncident[]): string {
  const open = incidents.filter((i) => i.status !== 'resolved').map((i) => IMPACT_ORDER.indexOf(i.impact));
  return IMPACT_ORDER[Math.max(0, ...open)];
}

export function pageView(incidents: PublicIncident[], locale: Locale, s: Strings, now?: Date) {
  const views = byImpactThenRecency(incidents).map((i) => incidentView(i, locale, s, now));
  const current = views.filter((v) => !v.resolved);
  return {
    current,
    past: views.filter((v) => v.resolved),
    indicator: overallIndicator(incidents),
    // The help blocks that apply to an open incident (the index page shows their union).
    help: {
      affected: current.some((v) => v.help.affected),
      offers: current.some((v) => v.help.offers),
      numberChange: current.some((v) => v.help.numberChange),
    },
  };
}
