/**
 * Fraud signals shown to agents, and the rule that holds a request for a supervisor. Pure: the service
 * gathers the facts, this decides what they mean.
 */
export const FRAUD_SIGNALS = [
  'recent_otp_failure',
  'many_requests_from_ip',
  'number_recently_changed',
  'number_recently_ported',
  'email_mismatch',
  // Someone with a reference from one of the request's messages said they did not ask for it ("Not you?").
  'reported_not_me',
] as const;
export type FraudSignalCode = (typeof FRAUD_SIGNALS)[number];

export interface FraudSignal {
  code: FraudSignalCode;
  detail: string;
}

export interface FraudFacts {
  /** Failed one-time-code attempts for this subscriber within the configured window. */
  failedOtpAttempts: number;
  /** Number-change requests from the same IP within the last 24 hours, this one included. */
  requestsFromIp: number;
  /** When the subscriber's number last changed, if ever. */
  lastNumberChangeAt: Date | null;
  /** When the subscriber's current number was ported in to the operator, if known. */
  portedInAt: Date | null;
  /** Wrong email confirmation codes entered for this request. */
  emailMismatches: number;
}

export interface FraudRules {
  otpFailureWindowMinutes: number;
  maxRequestsPerIp: number;
  recentChangeDays: number;
  recentPortDays: number;
  /** Signals that put the request on hold for a supervisor. */
  holdOn: readonly FraudSignalCode[];
}

export function fraudSignals(facts: FraudFacts, rules: FraudRules, now: Date): FraudSignal[] {
  const out: FraudSignal[] = [];
  if (facts.failedOtpAttempts > 0)
    out.push({
      code: 'recent_otp_failure',
      detail: `${facts.failedOtpAttempts} failed sign-in code attempt(s) in the ${rules.otpFailureWindowMinutes} minutes before`,
    });
  if (facts.requestsFromIp > rules.maxRequestsPerIp)
    out.push({
      code: 'many_requests_from_ip',
      detail: `${facts.requestsFromIp} number-change requests from this IP in 24 hours`,
    });
  const changed = daysSince(facts.lastNumberChangeAt, now);
  if (changed !== null && changed < rules.recentChangeDays)
    out.push({
      code: 'number_recently_changed',
      detail: `number last changed ${Math.floor(changed)} day(s) ago`,
    });
  // A number ported in and soon moved again is the SIM-swap / port-out fraud pattern.
  const ported = daysSince(facts.portedInAt, now);
  if (ported !== null && ported < rules.recentPortDays)
    out.push({ code: 'number_recently_ported', detail: `number ported in ${Math.floor(ported)} day(s) ago` });
  if (facts.emailMismatches > 0)
    out.push({ code: 'email_mismatch', detail: `${facts.emailMismatches} wrong email confirmation code(s)` });
  return out;
}

function daysSince(at: Date | null, now: Date): number | null {
  return at ? (now.getTime() - at.getTime()) / 86_400_000 : null;
}

export function holdsForSupervisor(signals: readonly FraudSignal[], rules: FraudRules): boolean {
  return signals.some((s) => rules.holdOn.includes(s.code));
}
