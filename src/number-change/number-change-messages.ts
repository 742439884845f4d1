import type { MessageKind } from '../notifications/message-kinds';
import { mask } from '../platform/privacy';

/** Steps the customer hears about: SMS to the old number, email if on file, and the new number once it works. */
export type NumberChangeStep =
  'requested' | 'reserved' | 'approved' | 'scheduled' | 'completed' | 'rejected' | 'cancelled' | 'expired';

/** The message kinds number change sends (declared in number-change.module.ts) and their variables, with sample values. */
export const NUMBER_CHANGE_KINDS = {
  'number-change-code': { vars: { firstName: 'Alex', code: '482913' }, channels: ['email'] },
  'number-change-requested': { vars: { firstName: 'Alex' }, channels: ['sms', 'email'] },
  'number-change-reserved': {
    vars: { firstName: 'Alex', newNumber: '+44 7*** ***456' },
    channels: ['sms', 'email'],
  },
  'number-change-approved': {
    vars: { firstName: 'Alex', newNumber: '+44 7*** ***456' },
    channels: ['sms', 'email'],
  },
  'number-change-scheduled': {
    vars: { firstName: 'Alex', newNumber: '+44 7*** ***456', plannedAt: '2025-06-01 14:30 UTC' },
    channels: ['sms', 'email'],
  },
  'number-change-completed': {
    vars: { firstName: 'Alex', newNumber: '+44 7*** ***456' },
    channels: ['sms', 'email'],
  },
  'number-change-rejected': { vars: { firstName: 'Alex' }, channels: ['sms', 'email'] },
  'number-change-cancelled': { vars: { firstName: 'Alex' }, channels: ['sms', 'email'] },
  'number-change-expired': { vars: { firstName: 'Alex' }, channels: ['sms', 'email'] },
} satisfies Record<string, MessageKind & { channels: Array<'sms' | 'email'> }>;

export interface OutgoingMessage {
  kind: keyof typeof NUMBER_CHANGE_KINDS;
  channel: 'sms' | 'email';
  to: string;
  locale: string;
  vars: Record<string, string>;
  dedupeKey: string;
  subscriberId: string;
}

interface RequestFacts {
  id: string;
  oldMsisdn: string;
  newMsisdn: string | null;
  scheduledAt: Date | null;
}
interface SubscriberFacts {
  id: string;
  email: string | null;
  firstName: string | null;
  locale: string;
}

/** "2025-06-01 14:30 UTC": unambiguous in any locale. */
export function plannedAtText(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The messages one step sends. The new number is masked: a thief holding the old phone should not learn
 * it. Dedupe keys make a replayed step send nothing twice (a reschedule is a new step: its time is in the key).
 */
export function stepMessages(step: NumberChangeStep, r: RequestFacts, s: SubscriberFacts): OutgoingMessage[] {
  const kind = `number-change-${step}` as OutgoingMessage['kind'];
  const vars: Record<string, string> = { firstName: s.firstName ?? '' };
  if ('newNumber' in NUMBER_CHANGE_KINDS[kind].vars) vars.newNumber = mask(r.newMsisdn);
  if (step === 'scheduled') vars.plannedAt = plannedAtText(r.scheduledAt!);
  const key = `number-change:${r.id}:${step}${step === 'scheduled' ? `@${r.scheduledAt!.getTime()}` : ''}`;
  const base = { kind, locale: s.locale, vars, subscriberId: s.id };
  const out: OutgoingMessage[] = [{ ...base, channel: 'sms', to: r.oldMsisdn, dedupeKey: `${key}:old` }];
  if (step === 'completed' && r.newMsisdn)
    out.push({ ...base, channel: 'sms', to: r.newMsisdn, dedupeKey: `${key}:new` });
  if (s.email) out.push({ ...base, channel: 'email', to: s.email, dedupeKey: `${key}:email` });
  return out;
}

export function emailCodeMessage(requestId: string, s: SubscriberFacts, code: string): OutgoingMessage {
  return {
    kind: 'number-change-code',
    channel: 'email',
    to: s.email!,
    locale: s.locale,
    vars: { firstName: s.firstName ?? '', code },
    dedupeKey: `number-change:${requestId}:code`,
    subscriberId: s.id,
  };
}
