import { etaWithHolds, holdUntil, quietResumeAt, ukDateTime } from './campaign-holds';

const NIGHT = { start: 21 * 60, end: 8 * 60 };
const TZ = 'Europe/London';

describe('campaign holds', () => {
  it('resumes quiet SMS at 08:00 UK time, GMT in winter and BST in summer', () => {
    expect(quietResumeAt(new Date('2026-12-03T22:17:42Z'), NIGHT, TZ)?.toISOString()).toBe(
      '2026-12-04T08:00:00.000Z',
    );
    expect(quietResumeAt(new Date('2026-07-01T05:59:00Z'), NIGHT, TZ)?.toISOString()).toBe(
      '2026-07-01T07:00:00.000Z',
    );
  });

  it('finds the end across the nights the clocks change', () => {
    // 29 March 2026: the clocks go forward at 01:00 GMT; 08:00 BST is 07:00 UTC.
    expect(quietResumeAt(new Date('2026-03-29T00:30:00Z'), NIGHT, TZ)?.toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    // 25 October 2026: back at 01:00 UTC; 08:00 GMT is 08:00 UTC.
    expect(quietResumeAt(new Date('2026-10-25T00:30:00Z'), NIGHT, TZ)?.toISOString()).toBe(
      '2026-10-25T08:00:00.000Z',
    );
  });

  it('is null outside quiet hours or with none', () => {
    expect(quietResumeAt(new Date('2026-12-03T12:00:00Z'), NIGHT, TZ)).toBeNull();
    expect(quietResumeAt(new Date('2026-12-03T23:00:00Z'), null, TZ)).toBeNull();
  });

  it('writes UK local time with its zone', () => {
    expect(ukDateTime(new Date('2026-12-04T08:00:00Z'), TZ)).toBe('Fri 4 Dec 2026, 08:00 GMT');
    expect(ukDateTime(new Date('2026-07-01T07:00:00Z'), TZ)).toBe('Wed 1 Jul 2026, 08:00 BST');
  });

  it('adds the longest hold to the channel it holds', () => {
    const now = new Date('2026-12-03T22:00:00Z');
    const quiet = holdUntil('sms', 'quiet_hours', 'quiet', now, new Date('2026-12-04T08:00:00Z'), TZ);
    expect(quiet.waitSeconds).toBe(10 * 3600);
    expect(etaWithHolds({ sms: 100, email: null }, [quiet])).toEqual({ sms: 36100, email: null });
    expect(etaWithHolds({ sms: null, email: 5 }, [quiet])).toEqual({ sms: 36000, email: 5 });
    const paused = holdUntil('email', 'paused', 'paused', now, null, TZ);
    expect(paused).toMatchObject({ resumesAt: null, resumesAtUk: null, waitSeconds: 0 });
    expect(etaWithHolds({ sms: 1, email: 2 }, [paused])).toEqual({ sms: 1, email: 2 });
  });
});
