import { etaWithHolds, holdUntil, ukDateTime } from './campaign-holds';

const TZ = 'Europe/London';

describe('campaign holds', () => {
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
