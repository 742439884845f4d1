import { formatUkTime, TimeView } from '../incidents/uk-time';
import { mask } from '../platform/privacy';
import { AnswerView, aboutKind, Exposure, exposureAnswer, fill } from '../status-page/customer-pages-view';
import type { Locale } from '../platform/locales';
import type { Strings } from '../status-page/status-view';

/**
 * Pure view models for My account: what each page shows, already localised (strings from
 * templates/status-page/account.<locale>.json), times in UK local time, numbers masked unless they are the
 * customer's own chosen new number.
 */

export const ACCOUNT_SECTIONS = ['overview', 'messages', 'offers', 'number', 'updates'] as const;
export type AccountSection = (typeof ACCOUNT_SECTIONS)[number];

const SECTION_PATH: Record<AccountSection, string> = {
  overview: '/account',
  messages: '/account/messages',
  offers: '/account/offers',
  number: '/account/number-change',
  updates: '/account/updates',
};
const SECTION_LABEL: Record<AccountSection, string> = {
  overview: 'navOverview',
  messages: 'navMessages',
  offers: 'navOffers',
  number: 'navNumber',
  updates: 'navUpdates',
};

export const NUMBER_CHANGE_REASONS = ['exposed', 'unwanted_contact', 'other'] as const;
export type NumberChangeReason = (typeof NUMBER_CHANGE_REASONS)[number];

export const langQuery = (locale: Locale) => (locale === 'en' ? '' : `?lang=${locale}`);

export function sectionPath(section: AccountSection, locale: Locale): string {
  return SECTION_PATH[section] + langQuery(locale);
}

export function navView(current: AccountSection, locale: Locale, s: Strings) {
  return ACCOUNT_SECTIONS.map((section) => ({
    href: sectionPath(section, locale),
    label: s[SECTION_LABEL[section]] as string,
    current: section === current,
  }));
}

export function sectionTitle(section: AccountSection, s: Strings): string {
  return `${s[SECTION_LABEL[section]]} · ${s.myAccount}`;
}

/** "£12.50" from integer pence (negative balances keep their sign). */
export function pounds(pence: number, s: Strings): string {
  const sign = pence < 0 ? '-' : '';
  return sign + fill(s.amountPence, { pounds: (Math.abs(pence) / 100).toFixed(2) });
}

/** The exposure answer of "am I affected?" with the count first, and the websites listed. */
export function accountExposure(e: Exposure, maskedNumber: string, locale: Locale, s: Strings) {
  const answer: AnswerView = exposureAnswer(e, maskedNumber, locale, s);
  if (e.affected && e.exposure) {
    // first and last seen with their year: this page is read again months later
    const withYear: Record<string, string> = {
      [s.firstSeen]: e.exposure.firstSeen,
      [s.lastSeen]: e.exposure.lastSeen,
    };
    for (const f of answer.facts)
      if (f.label in withYear)
        f.time = formatUkTime(new Date(withYear[f.label]), locale, undefined, { year: true });
    answer.facts.unshift({ label: s.exposureCount, value: String(e.exposure.count), time: null });
  }
  return { answer, websites: e.affected && e.exposure ? [...e.exposure.websites].sort() : [] };
}

export interface SentMessage {
  kind: string;
  channel: string;
  sentAt: Date | string;
  referenceCode: string;
}

export function messagesView(messages: SentMessage[], locale: Locale, s: Strings) {
  return messages.map((m) => ({
    channel: s.channelNames[m.channel] ?? m.channel,
    about: aboutKind(m.kind, s),
    sent: formatUkTime(new Date(m.sentAt), locale),
    referenceCode: m.referenceCode,
  }));
}

/** What OfferClaimsService.listForCustomer answers (the fields shown). */
export interface CustomerOffer {
  id: string;
  name: string;
  benefit: string;
  claimOpensAt: Date | string;
  claimClosesAt: Date | string;
  window: string;
  mode: string;
  keyword: string | null;
  claimId: string | null;
  claimedAt: Date | string | null;
}

export function offersView(offers: CustomerOffer[], locale: Locale, s: Strings) {
  const t = (d: Date | string) => formatUkTime(new Date(d), locale);
  return offers.map((o) => {
    const claimed = o.claimId && o.claimedAt ? t(o.claimedAt) : null;
    const open = o.window === 'open';
    return {
      id: o.id,
      name: o.name,
      benefit: o.benefit,
      claimed,
      opens: !claimed && o.window === 'not_open' ? t(o.claimOpensAt) : null,
      closes: t(o.claimClosesAt),
      canClaim: !claimed && open && o.mode === 'claim',
      claimLabel: fill(s.claimButton, { name: o.name }),
      keywordText: o.keyword ? fill(s.claimAlsoBySms, { keyword: o.keyword }) : null,
    };
  });
}

export interface CreditRow {
  amountPence: number;
  source: string;
  status: string;
  createdAt: Date | string;
  reversedAt: Date | string | null;
}

export function creditsView(credits: CreditRow[], locale: Locale, s: Strings) {
  return credits
    .filter((c) => c.status === 'issued')
    .map((c) => ({
      amount: pounds(c.amountPence, s),
      source: s.creditSource[c.source] ?? c.source,
      at: formatUkTime(new Date(c.createdAt), locale),
      reversed: !!c.reversedAt,
    }));
}

/** The fields of a number-change request the wizard uses. */
export interface RequestFacts {
  id: string;
  state: string;
  newMsisdn: string | null;
  scheduledAt: Date | null;
  createdAt: Date;
  heldForSupervisor: boolean;
  cutoverStartedAt: Date | null;
}

const OPEN = ['requested', 'verified', 'number_reserved', 'approved', 'scheduled'];

export function isOpen(r: Pick<RequestFacts, 'state'>): boolean {
  return OPEN.includes(r.state);
}

/**
 * The change-my-number page at any step: the request's state and planned cutover (UK time), the step's
 * form (emailed code; numbers kept until a time, no JavaScript countdown), cancel while allowed, or the
 * form to start a new request when none is open.
 */
export function numberChangeView(
  r: RequestFacts | null,
  offers: Array<{ msisdn: string; reservedUntil: Date }>,
  hasEmail: boolean,
  locale: Locale,
  s: Strings,
) {
  const request = r
    ? {
        id: r.id,
        stateLabel: s.numberStates[r.state] ?? r.state,
        created: formatUkTime(r.createdAt, locale),
        newNumber: r.newMsisdn ? displayNumber(r.newMsisdn) : null,
        planned: r.scheduledAt && r.state === 'scheduled' ? formatUkTime(r.scheduledAt, locale) : null,
        held: r.heldForSupervisor && isOpen(r),
        awaitingEmail: r.state === 'requested',
        choosing: r.state === 'verified',
        canCancel: isOpen(r) && !r.cutoverStartedAt,
      }
    : null;
  const until = offers.length
    ? new Date(Math.min(...offers.map((o) => new Date(o.reservedUntil).getTime())))
    : null;
  return {
    request,
    offers: offers.map((o) => ({ msisdn: o.msisdn, display: displayNumber(o.msisdn) })),
    offersUntil: until ? fill(s.numberChooseIntro, { until: formatUkTime(until, locale).text }) : null,
    canStart: !r || !isOpen(r),
    hasEmail,
    reasons: NUMBER_CHANGE_REASONS.map((value) => ({ value, label: s.reasons[value] as string })),
  };
}

/** "+447700900123" → "07700 900123": how a UK customer writes their own number. */
export function displayNumber(e164: string): string {
  if (!e164.startsWith('+44')) return e164;
  const national = '0' + e164.slice(3);
  return `${national.slice(0, 5)} ${national.slice(5)}`;
}

export interface SubscriptionRow {
  id: string;
  channel: 'sms' | 'email';
  status: 'pending' | 'confirmed' | 'unsubscribed';
  title: string;
  titleCy: string | null;
}

export function updatesView(subs: SubscriptionRow[], locale: Locale, s: Strings) {
  return subs.map((x) => {
    const cy = locale === 'cy' && x.titleCy;
    return {
      id: x.id,
      title: cy ? x.titleCy! : x.title,
      titleLang: cy ? 'cy' : 'en',
      channel: s.updatesChannel[x.channel],
      status: s.updatesStatus[x.status],
      canUnsubscribe: x.status !== 'unsubscribed',
    };
  });
}

export function signedInAs(msisdn: string | undefined, s: Strings): string {
  return fill(s.signedInAs, { number: mask(msisdn) });
}

export type { TimeView };
