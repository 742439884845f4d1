import { FraudFacts, FraudRules, fraudSignals, holdsForSupervisor } from './fraud-rules';

const now = new Date('2025-06-01T12:00:00Z');
const rules: FraudRules = {
  otpFailureWindowMinutes: 30,
  maxRequestsPerIp: 3,
  recentChangeDays: 90,
  recentPortDays: 30,
  holdOn: ['recent_otp_failure', 'email_mismatch', 'number_recently_ported'],
};
const clean: FraudFacts = {
  failedOtpAttempts: 0,
  requestsFromIp: 1,
  lastNumberChangeAt: null,
  portedInAt: null,
  emailMismatches: 0,
};
const codes = (f: Partial<FraudFacts>) => fraudSignals({ ...clean, ...f }, rules, now).map((s) => s.code);

describe('fraud signals', () => {
  it('finds nothing in a clean request', () => {
    expect(fraudSignals(clean, rules, now)).toEqual([]);
  });

  it('flags a failed code attempt, with its count', () => {
    const [s] = fraudSignals({ ...clean, failedOtpAttempts: 2 }, rules, now);
    expect(s).toEqual({
      code: 'recent_otp_failure',
      detail: '2 failed sign-in code attempt(s) in the 30 minutes before',
    });
  });

  it('flags many requests from one IP only above the limit', () => {
    expect(codes({ requestsFromIp: 3 })).toEqual([]);
    expect(codes({ requestsFromIp: 4 })).toEqual(['many_requests_from_ip']);
  });

  it('flags a number changed within the window, not one changed before it', () => {
    expect(codes({ lastNumberChangeAt: new Date(now.getTime() - 89 * 86_400_000) })).toEqual([
      'number_recently_changed',
    ]);
    expect(codes({ lastNumberChangeAt: new Date(now.getTime() - 91 * 86_400_000) })).toEqual([]);
  });

  it('flags a number ported in within the window, with its age, not one ported before it', () => {
    const [s] = fraudSignals(
      { ...clean, portedInAt: new Date(now.getTime() - 3.5 * 86_400_000) },
      rules,
      now,
    );
    expect(s).toEqual({ code: 'number_recently_ported', detail: 'number ported in 3 day(s) ago' });
    expect(codes({ portedInAt: new Date(now.getTime() - 29 * 86_400_000) })).toEqual([
      'number_recently_ported',
    ]);
    expect(codes({ portedInAt: new Date(now.getTime() - 30 * 86_400_000) })).toEqual([]);
    expect(codes({ portedInAt: new Date(now.getTime() - 400 * 86_400_000) })).toEqual([]);
    // a window of 0 days turns the signal off
    expect(
      fraudSignals({ ...clean, portedInAt: now }, { ...rules, recentPortDays: 0 }, now).map((x) => x.code),
    ).toEqual([]);
  });

  it('reports a recently ported number that also changed recently as two signals', () => {
    const recent = new Date(now.getTime() - 5 * 86_400_000);
    expect(codes({ portedInAt: recent, lastNumberChangeAt: recent })).toEqual([
      'number_recently_changed',
      'number_recently_ported',
    ]);
  });

  it('flags a mismatched email confirmation', () => {
    expect(codes({ emailMismatches: 1 })).toEqual(['email_mismatch']);
  });

  it('holds for a supervisor only on the configured signals', () => {
    const hold = (f: Partial<FraudFacts>) =>
      holdsForSupervisor(fraudSignals({ ...clean, ...f }, rules, now), rules);
    expect(hold({ failedOtpAttempts: 1 })).toBe(true);
    expect(hold({ emailMismatches: 1 })).toBe(true);
    expect(hold({ portedInAt: new Date(now.getTime() - 86_400_000) })).toBe(true);
    expect(hold({ lastNumberChangeAt: new Date(now.getTime() - 86_400_000) })).toBe(false);
    expect(hold({ requestsFromIp: 10 })).toBe(false);
    expect(holdsForSupervisor([], rules)).toBe(false);
  });
});
