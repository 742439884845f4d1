import type { Locale } from '../platform/locales';
import type { MessageKind } from './message-kinds';

/**
 * Notices that comms write: an approved frame (the kind's template files, reviewed like code) plus the
 * paragraphs comms write per campaign in English and Welsh. Pure: what Candor fills in, what comms may type,
 * the Annex II checklist of a personal-data breach notice, and the "no marketing" rule.
 */

/** Values Candor fills in for every campaign (links and the operator's details); never typed by comms. */
export const CANDOR_FILLED = [
  'statusUrl',
  'incidentUrl',
  'accountUrl',
  'offersUrl',
  'operatorName',
  'contactPoint',
] as const;
export type FilledVar = (typeof CANDOR_FILLED)[number];

export function isFilled(name: string): name is FilledVar {
  return (CANDOR_FILLED as readonly string[]).includes(name);
}

/**
 * The filled values for one locale: the incident's page when the campaign names one (else the status page),
 * My account, its offers page, with `?lang=cy` on Welsh links; the operator's name and contact point.
 */
export function filledValues(
  base: string,
  incidentId: string | null,
  locale: Locale,
  operator: { name: string; contactPoint: string },
): Record<FilledVar, string> {
  const lang = locale === 'cy' ? '?lang=cy' : '';
  const statusUrl = `${base}/status${lang}`;
  return {
    statusUrl,
    incidentUrl: incidentId ? `${base}/status/incidents/${incidentId}${lang}` : statusUrl,
    accountUrl: `${base}/account${lang}`,
    offersUrl: `${base}/account/offers${lang}`,
    operatorName: operator.name,
    contactPoint: operator.contactPoint,
  };
}

/** The variables of a kind comms write (everything but the recipient's name and what Candor fills). */
export function writtenVars(kind: MessageKind): string[] {
  return Object.keys(kind.vars).filter((v) => v !== 'firstName' && !isFilled(v));
}

/**
 * Commission Regulation (EU) No 611/2013, Annex II (content of the notification to the subscriber or
 * individual), as retained in UK law: each item and the variables that carry it. An item is carried when
 * every one of its variables has text (Candor's filled values count: the provider's name and contact point
 * come from OPERATOR_NAME and OFFICIAL_CONTACTS) and the frame prints them (checked when templates load).
 */
export const ANNEX_II_ITEMS: ReadonlyArray<{ item: string; label: string; vars: string[] }> = [
  { item: 'providerName', label: 'Name of the provider', vars: ['operatorName'] },
  {
    item: 'contactPoint',
    label: 'Contact point for more information',
    vars: ['contactPoint', 'contactDetails'],
  },
  { item: 'summary', label: 'Summary of the incident', vars: ['whatHappened'] },
  { item: 'estimatedDate', label: 'Estimated date of the incident', vars: ['whenItHappened'] },
  {
    item: 'dataConcerned',
    label: 'Nature and content of the personal data concerned',
    vars: ['dataConcerned'],
  },
  {
    item: 'likelyConsequences',
    label: 'Likely consequences for the subscriber',
    vars: ['likelyConsequences'],
  },
  {
    item: 'otherCircumstances',
    label: 'Other circumstances relevant to the breach',
    vars: ['otherCircumstances'],
  },
  {
    item: 'measuresTaken',
    label: 'Measures taken by the provider to address the breach',
    vars: ['measuresTaken'],
  },
  {
    item: 'measuresRecommended',
    label: 'Measures recommended to mitigate possible adverse effects',
    vars: ['measuresRecommended'],
  },
];

export interface ChecklistItem {
  item: string;
  label: string;
  /** The variables that carry it (what the author fills in, or where Candor takes it from). */
  vars: string[];
  /** Carried in English (what every customer gets when a Welsh paragraph is missing). */
  en: boolean;
  /** Carried in Welsh text of its own (a missing Welsh paragraph falls back to English: a warning). */
  cy: boolean;
}

export interface AnnexIIChecklist {
  standard: string;
  complete: boolean;
  items: ChecklistItem[];
  /** Labels of the items not carried (approval is refused while any is). */
  missing: string[];
}

const filledText = (v: unknown) => typeof v === 'string' && v.trim().length > 0;

/** The checklist of a breach notice from its values in each language (`cy` already merged over `en`). */
export function annexIIChecklist(values: Record<Locale, Record<string, unknown>>): AnnexIIChecklist {
  const items = ANNEX_II_ITEMS.map(({ item, label, vars }) => ({
    item,
    label,
    vars,
    en: vars.every((v) => filledText(values.en[v])),
    cy: vars.every((v) => filledText(values.cy[v])),
  }));
  const missing = items.filter((i) => !i.en).map((i) => i.label);
  return {
    standard: 'Commission Regulation (EU) No 611/2013, Annex II',
    complete: missing.length === 0,
    items,
    missing,
  };
}

/** The written variables with English text but no Welsh of their own (the Welsh message falls back). */
export function welshMissing(
  kind: MessageKind,
  vars: Record<string, string>,
  varsCy: Record<string, string>,
): string[] {
  const same = new Set(kind.sameInEveryLanguage ?? []);
  return writtenVars(kind).filter((v) => !same.has(v) && filledText(vars[v]) && !filledText(varsCy[v]));
}

/**
 * Service messages must not sell (PECR reg. 22 governs marketing; a breach or offer notice is a service
 * message): phrases of selling in English and Welsh, found in what comms write. "Offer" alone is allowed:
 * compensation is offered.
 */
const MARKETING =
  /\b(upgrade|upgrading|discounts?|deals?|promo(?:tion|tional)?s?|sale|buy(?: now)?|shop(?: now)?|limited[- ]time|exclusive|special offers?|bargains?|hurry|don'?t miss|sign up now|new handsets?|tariffs?|contract renewal|\d+% off|uwchraddio|gostyngiad(?:au)?|bargen(?:ion)?|cynnig arbennig|prynwch)\b/i;

export function marketingPhrases(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .filter((s) => MARKETING.test(s))
    .map((s) => s.match(MARKETING)![0]);
}
