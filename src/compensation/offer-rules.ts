import { formatPence } from './ledger';

/* Offer rules over plain data: kinds and their values, claim windows, SMS keywords. */

export const OFFER_KINDS = ['credit', 'sms_bundle', 'data', 'custom'] as const;
export type OfferKind = (typeof OFFER_KINDS)[number];
export const ELIGIBILITIES = ['all', 'list', 'analysis_run'] as const;
export type Eligibility = (typeof ELIGIBILITIES)[number];
export const OFFER_MODES = ['claim', 'auto'] as const;
export type OfferMode = (typeof OFFER_MODES)[number];

/** Upper bounds per kind: beyond these a value is a typo, not a gift. */
const VALUE_MAX: Record<Exclude<OfferKind, 'custom'>, number> = {
  credit: 100_000, // £1,000 per customer
  sms_bundle: 100_000, // messages
  data: 1_000_000, // MB
};

export interface OfferShape {
  kind: OfferKind;
  value?: number | null;
  benefit?: string | null;
  claimOpensAt: Date;
  claimClosesAt: Date;
  eligibility: Eligibility;
  analysisRunId?: string | null;
}

/** Field-level problems of an offer (the DTO checks types; this checks how the fields fit together). */
export function offerProblems(o: OfferShape): Array<{ field: string; messages: string[] }> {
  const out: Array<{ field: string; messages: string[] }> = [];
  if (o.kind === 'custom') {
    if (!o.benefit?.trim()) out.push({ field: 'benefit', messages: ['a custom offer needs a benefit text'] });
  } else {
    const max = VALUE_MAX[o.kind];
    if (!Number.isInteger(o.value) || (o.value as number) <= 0 || (o.value as number) > max)
      out.push({ field: 'value', messages: [`value must be a whole number from 1 to ${max} for ${o.kind}`] });
  }
  if (!(o.claimClosesAt.getTime() > o.claimOpensAt.getTime()))
    out.push({ field: 'claimClosesAt', messages: ['claimClosesAt must be after claimOpensAt'] });
  if (o.eligibility === 'analysis_run' && !o.analysisRunId)
    out.push({
      field: 'analysisRunId',
      messages: ['analysisRunId is required for analysis_run eligibility'],
    });
  if (o.eligibility !== 'analysis_run' && o.analysisRunId)
    out.push({
      field: 'analysisRunId',
      messages: ['analysisRunId only applies to analysis_run eligibility'],
    });
  return out;
}

export type WindowState = 'not_open' | 'open' | 'closed';

export function windowState(opensAt: Date, closesAt: Date, now: Date): WindowState {
  if (now.getTime() < opensAt.getTime()) return 'not_open';
  if (now.getTime() >= closesAt.getTime()) return 'closed';
  return 'open';
}

/** Keywords are matched case-insensitively on the first word of an SMS reply ("claim" or " Claim please"). */
export function normaliseKeyword(text: string): string {
  return (text.trim().split(/\s+/)[0] ?? '').toUpperCase();
}

export const KEYWORD_PATTERN = /^[A-Za-z][A-Za-z0-9]{1,19}$/;

/** "£5.00 account credit", "100 free texts", "2048 MB of free data" (or in Welsh), or the custom benefit's words. */
export function describeBenefit(
  kind: OfferKind,
  value: number | null,
  benefit: string | null,
  locale = 'en',
): string {
  const cy = locale === 'cy';
  switch (kind) {
    case 'credit':
      return cy
        ? `${formatPence(value ?? 0)} o gredyd i'ch cyfrif`
        : `${formatPence(value ?? 0)} account credit`;
    case 'sms_bundle':
      return cy ? `${value} neges destun am ddim` : `${value} free texts`;
    case 'data':
      return cy ? `${value} MB o ddata am ddim` : `${value} MB of free data`;
    default:
      return benefit ?? '';
  }
}

/**
 * Whether a credit offer needs a second supervisor before it pays anyone (issue 18, F1): when it is applied
 * automatically, or when its liability (value x eligible people) is above `thresholdPence`. Offers that
 * pay no credit never do.
 */
export function offerNeedsApproval(
  offer: { kind: string; mode: string; value: number | null },
  eligible: number,
  thresholdPence: number,
): { liabilityPence: number | null; needsApproval: boolean } {
  if (offer.kind !== 'credit' || offer.value === null) return { liabilityPence: null, needsApproval: false };
  const liabilityPence = offer.value * eligible;
  return { liabilityPence, needsApproval: offer.mode === 'auto' || liabilityPence > thresholdPence };
}

/** An offer customers may see and claim: approved, or not needing approval (never pending or rejected). */
export const LIVE_APPROVALS = ['not_required', 'approved'] as const;
export const isLive = (approvalStatus: string) =>
  (LIVE_APPROVALS as readonly string[]).includes(approvalStatus);
