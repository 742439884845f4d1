import { slaStatus } from './sla';

const due = new Date('2025-06-02T00:00:00Z');

describe('slaStatus', () => {
  it('counts down to the due time', () => {
    expect(slaStatus(due, new Date('2025-06-01T23:00:00Z'))).toEqual({
      dueAt: due,
      remainingSeconds: 3600,
      breached: false,
    });
  });

  it('is breached once past due, with negative remaining time', () => {
    const s = slaStatus(due, new Date('2025-06-02T00:00:01Z'));
    expect(s).toMatchObject({ remainingSeconds: -1, breached: true });
  });

  it('freezes the clock when the request closed', () => {
    const s = slaStatus(due, new Date('2025-06-09T00:00:00Z'), new Date('2025-06-01T06:00:00Z'));
    expect(s).toMatchObject({ remainingSeconds: 18 * 3600, breached: false });
  });
});
