import { approvalProblem, CreditLimits, decideCredit, utcDayStart } from './limits';

const limits: CreditLimits = {
  supportMaxPerCredit: 2000,
  supportMaxPerCustomerPerDay: 5000,
  supervisorMaxPerCredit: 20000,
  maxDailyPerCustomer: 20000,
  maxDailyPerAgent: 50000,
};

describe('credit limits by role', () => {
  it('lets support issue up to £20 a credit', () => {
    expect(decideCredit('support', 2000, 0, limits)).toEqual({ outcome: 'issue' });
    expect(decideCredit('support', 2001, 0, limits)).toMatchObject({
      outcome: 'refuse',
      reason: expect.stringContaining('at most £20.00 at a time'),
    });
  });

  it('holds support to £50 per customer per day, counting what was already credited', () => {
    expect(decideCredit('support', 2000, 3000, limits)).toEqual({ outcome: 'issue' });
    expect(decideCredit('support', 1, 5000, limits)).toMatchObject({
      outcome: 'refuse',
      reason: expect.stringContaining('credited £50.00 today'),
    });
    expect(decideCredit('support', 1500, 3600, limits).outcome).toBe('refuse');
  });

  it('lets supervisors and admins issue up to £200, above that asks for a second approval', () => {
    expect(decideCredit('supervisor', 20000, 0, limits)).toEqual({ outcome: 'issue' });
    expect(decideCredit('admin', 20000, 0, limits)).toEqual({ outcome: 'issue' });
    expect(decideCredit('supervisor', 20001, 0, limits)).toMatchObject({ outcome: 'needs_approval' });
  });

  it('sends a credit to a second approver past the daily aggregate per customer, for every role (F4)', () => {
    // the probe: five £200 credits to one customer by one supervisor
    expect(decideCredit('supervisor', 20000, 20000, limits)).toMatchObject({
      outcome: 'needs_approval',
      reason: expect.stringContaining('credited £200.00 today'),
    });
    expect(decideCredit('admin', 1, 20000, limits).outcome).toBe('needs_approval');
    expect(decideCredit('supervisor', 10000, 10000, limits).outcome).toBe('issue');
  });

  it('sends a credit to a second approver past the agent’s daily aggregate, for every role (F4)', () => {
    expect(decideCredit('supervisor', 20000, 0, limits, 40000)).toMatchObject({
      outcome: 'needs_approval',
      reason: expect.stringContaining('You have credited £400.00 today'),
    });
    expect(decideCredit('support', 2000, 0, limits, 49000).outcome).toBe('needs_approval');
    expect(decideCredit('support', 2000, 0, limits, 48000).outcome).toBe('issue');
  });

  it('refuses comms entirely', () => {
    expect(decideCredit('comms', 1, 0, limits).outcome).toBe('refuse');
  });

  it('needs the approver to be a different supervisor or admin', () => {
    expect(approvalProblem('a', 'supervisor', 'b')).toBeNull();
    expect(approvalProblem('a', 'admin', 'b')).toBeNull();
    expect(approvalProblem('a', 'supervisor', 'a')).toMatch(/second person/);
    expect(approvalProblem('a', 'support', 'b')).toMatch(/Only a supervisor/);
  });

  it('counts days in UTC', () => {
    expect(utcDayStart(new Date('2025-03-30T23:59:59.999Z')).toISOString()).toBe('2025-03-30T00:00:00.000Z');
    expect(utcDayStart(new Date('2025-03-31T00:30:00+01:00')).toISOString()).toBe('2025-03-30T00:00:00.000Z');
  });
});
