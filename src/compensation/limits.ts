import type { StaffRole } from '../platform/http/principal';
import { formatPence } from './ledger';

/** Per-role limits on goodwill credits (configured through COMPENSATION_* variables). */
export interface CreditLimits {
  supportMaxPerCredit: number;
  supportMaxPerCustomerPerDay: number;
  supervisorMaxPerCredit: number;
  /** Goodwill to one customer per UTC day, all staff together, above which a second person approves. */
  maxDailyPerCustomer: number;
  /** Goodwill from one agent per UTC day, all customers together, above which a second person approves. */
  maxDailyPerAgent: number;
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
 * credited today (UTC day, pending and issued goodwill credits, by anyone) and what this agent credited
 * today (all customers). Support agents are held to a per-credit and a per-customer-per-day ceiling;
 * supervisors and admins to a per-credit ceiling. For every role, the daily aggregates per customer and per
 * agent send a credit to a second approver: five £200 credits are not a way round a £200 limit.
 */
export function decideCredit(
  role: StaffRole,
  amountPence: number,
  creditedTodayPence: number,
  limits: CreditLimits,
  agentTodayPence = 0,
): LimitDecision {
  if (!ISSUING_ROLES.includes(role))
    return { outcome: 'refuse', reason: `The ${role} role may not issue credits` };
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
  } else if (amountPence > limits.supervisorMaxPerCredit)
    return {
      outcome: 'needs_approval',
      reason: `Above ${formatPence(limits.supervisorMaxPerCredit)} a second supervisor must approve`,
    };
  if (creditedTodayPence + amountPence > limits.maxDailyPerCustomer)
    return {
      outcome: 'needs_approval',
      reason:
        `This customer has been credited ${formatPence(creditedTodayPence)} today; above ` +
        `${formatPence(limits.maxDailyPerCustomer)} a day a second supervisor must approve`,
    };
  if (agentTodayPence + amountPence > limits.maxDailyPerAgent)
    return {
      outcome: 'needs_approval',
      reason:
        `You have credited ${formatPence(agentTodayPence)} today; above ${formatPence(limits.maxDailyPerAgent)} ` +
        `a day a second supervisor must approve`,
    };
  return { outcome: 'issue' };
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
