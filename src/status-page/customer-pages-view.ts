import { formatUkTime, TimeView } from '../incidents/uk-time';
import type { Locale } from '../platform/locales';
import type { Strings } from './status-view';

/**
 * Pure view models for the customer pages ("am I affected?", "is this message from us?"): what the
 * templates show, already localised. Numbers arrive here masked; nothing here ever sees a full MSISDN.
 */

/** What CustomerExposureService.customerExposure answers (the fields these pages use). */
export interface Exposure {
  analysed: boolean;
  affected: boolean;
  checkedAt: string | null;
  exposure: { count: number; firstSeen: string; lastSeen: string; websites: string[] } | null;
}

export interface AnswerView {
  tone: 'bad' | 'ok' | 'pending';
  heading: string;
  text: string;
  facts: Array<{ label: string; value: string; time: TimeView | null }>;
}

/** What NotificationsService.verify answers. */
export type VerifyResult =
  { genuine: false } | { genuine: true; channel: string; sentAt: Date | string | null; kind: string };

export interface VerifyAnswerView {
  genuine: boolean;
  heading: string;
  text: string;
  /** What the genuine message was about, in customer words (so a real code in a fake text shows up). */
  about: string | null;
}

/** A message kind in customer words, from `kinds` in account.<locale>.json (a generic line for any other). */
export function aboutKind(kind: string, s: Strings): string {
  return s.kinds[kind] ?? s.kinds.other;
}

/** Replaces `{name}` placeholders in a string from strings.<locale>.json (HTML escaping is the template's job). */
export function fill(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export function exposureAnswer(e: Exposure, maskedNumber: string, locale: Locale, s: Strings): AnswerView {
  const time = (iso: string) => formatUkTime(new Date(iso), locale);
  if (!e.analysed)
    return { tone: 'pending', heading: s.answerNotChecked, text: s.answerNotCheckedText, facts: [] };
  const checked = e.checkedAt ? [{ label: s.checkedAt, value: '', time: time(e.checkedAt) }] : [];
  if (!e.affected || !e.exposure)
    return {
      tone: 'ok',
      heading: fill(s.answerNotAffected, { number: maskedNumber }),
      text: s.answerNotAffectedText,
      facts: checked,
    };
  const x = e.exposure;
  return {
    tone: 'bad',
    heading: fill(s.answerAffected, { number: maskedNumber }),
    text: s.answerAffectedText,
    facts: [
      { label: s.firstSeen, value: '', time: time(x.firstSeen) },
      { label: s.lastSeen, value: '', time: time(x.lastSeen) },
      ...(x.websites.length ? [{ label: s.sitesCount, value: String(x.websites.length), time: null }] : []),
      ...checked,
    ],
  };
}

export function verifyAnswer(r: VerifyResult, code: string, locale: Locale, s: Strings): VerifyAnswerView {
  if (!r.genuine)
    return {
      genuine: false,
      heading: s.verifyUnknown,
      text: fill(s.verifyUnknownText, { code }),
      about: null,
    };
  return {
    genuine: true,
    heading: s.verifyGenuine,
    text: fill(s.verifyGenuineText, {
      code: code.toUpperCase(),
      channel: r.channel === 'sms' ? s.channelSms : s.channelEmail,
      sentAt: r.sentAt ? formatUkTime(new Date(r.sentAt), locale).text : s.sentAtUnknown,
    }),
    about: aboutKind(r.kind, s),
  };
}
