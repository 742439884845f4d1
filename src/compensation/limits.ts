import type { StaffRole } from '../platform/http/principal';
import { formatPence } from './ledger';

/** Per-role limits on goodwill credits (configured through COMPENSATION_* variables). */
export interface CreditLimits {
  supportMaxPerCredit: number;
  supportMaxPerCustomerPerDay: number;
  supervisorMaxPerCredit: number;
}

export type LimitDecision =
  | { outcome: 'issue' }
  | { outcome: 'needs_approval'; reason: string }
  | { outcome: 'refuse'; reason: string };

/** Roles that may issue credits at all; the controller's @Roles says the same. */
export const ISSUING_ROLES: StaffRole[] = ['support', 'supervisor', 'admin'];
/** Roles that may approve, reject and reverse credits. */
export const SUPERVISING_ROLES: StaffRole[] = ['supervisor', 'admin'];

/**
 * What happens to a credit of `amountPence` asked for by `role`, given what that customer was already
 * credited today (UTC day, pending and issued goodwill credits). Support agents are held to a per-credit and
 * a per-customer-per-day ceiling; supervisors and admins to a per-credit ceiling above which a second
 * supervisor must approve.
 */
export function decideCredit(
  role: StaffRole,
  amountPence: number,
  creditedTodayPence: number,
  limits: CreditLimits,
): LimitDecision {
  if (role === 'support') {
    if (amountPence > limits.supportMaxPerCredit)
      return {
        outcome: 'refuse',
        reason: `Support agents may credit at most ${formatPence(limits.supportMaxPerCredit)} at a time; ask a supervisor`,
      };
    if (creditedTodayPence + amountPence > limits.supportMaxPerCustomerPerDay)
      return {
        outcome: 'refuse',
        reason:
          `This customer has been credited ${formatPence(creditedTodayPence)} today; support agents may credit ` +
          `at most ${formatPence(limits.supportMaxPerCustomerPerDay)} per customer per day; ask a supervisor`,
      };
    return { outcome: 'issue' };
  }
  if (SUPERVISING_ROLES.includes(role)) {
    if (amountPence > limits.supervisorMaxPerCredit)
      return {
        outcome: 'needs_approval',
        reason: `Above ${formatPence(limits.supervisorMaxPerCredit)} a second supervisor must approve`,
      };
    return { outcome: 'issue' };
  }
  return { outcome: 'refuse', reason: `The ${role} role may not issue credits` };
}

/** A pending credit may be approved by a supervisor or admin other than the one who asked for it. */
export function approvalProblem(
  approverId: string,
  approverRole: StaffRole,
  requestedBy: string | null,
): string | null {
  if (!SUPERVISING_ROLES.includes(approverRole)) return 'Only a supervisor or admin may approve credits';
  if (approverId === requestedBy) return 'A second person must approve a credit above the limit';
  return null;
}

/** Start of the UTC day containing `at` (daily limits and daily reports use UTC days). */
export function utcDayStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}
