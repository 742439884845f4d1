import { finishSeconds, inQuietHours, quietHoursEnd } from './quiet-hours';

describe('inQuietHours', () => {
  const night = { start: 21 * 60, end: 8 * 60 };
  const tz = 'Europe/London';

  it('wraps midnight and respects UK summer time', () => {
    expect(inQuietHours(new Date('2026-01-10T20:59:00Z'), night, tz)).toBe(false); // 20:59 GMT
    expect(inQuietHours(new Date('2026-01-10T21:00:00Z'), night, tz)).toBe(true);
    expect(inQuietHours(new Date('2026-01-11T07:59:00Z'), night, tz)).toBe(true);
    expect(inQuietHours(new Date('2026-01-11T08:00:00Z'), night, tz)).toBe(false);
    // 20:30 UTC in July is 21:30 BST: quiet; 07:30 UTC is 08:30 BST: not quiet
    expect(inQuietHours(new Date('2026-07-10T20:30:00Z'), night, tz)).toBe(true);
    expect(inQuietHours(new Date('2026-07-11T07:30:00Z'), night, tz)).toBe(false);
  });

  it('handles a same-day window and no window', () => {
    const lunch = { start: 12 * 60, end: 13 * 60 };
    expect(inQuietHours(new Date('2026-01-10T12:30:00Z'), lunch, tz)).toBe(true);
    expect(inQuietHours(new Date('2026-01-10T13:00:00Z'), lunch, tz)).toBe(false);
    expect(inQuietHours(new Date('2026-01-10T23:00:00Z'), null, tz)).toBe(false);
  });

  it('follows both UK switches: the window moves an hour in UTC on the last Sundays of March and October', () => {
    // 29 March 2026: clocks go forward at 01:00 GMT, so 08:00 local is 07:00 UTC that morning
    expect(inQuietHours(new Date('2026-03-29T00:59:00Z'), night, tz)).toBe(true);
    expect(inQuietHours(new Date('2026-03-29T06:59:00Z'), night, tz)).toBe(true); // 07:59 BST
    expect(inQuietHours(new Date('2026-03-29T07:00:00Z'), night, tz)).toBe(false); // 08:00 BST
    expect(inQuietHours(new Date('2026-03-29T19:59:00Z'), night, tz)).toBe(false); // 20:59 BST
    expect(inQuietHours(new Date('2026-03-29T20:00:00Z'), night, tz)).toBe(true); // 21:00 BST
    // 25 October 2026: clocks go back at 02:00 BST, so 08:00 local is 08:00 UTC again
    expect(inQuietHours(new Date('2026-10-25T00:30:00Z'), night, tz)).toBe(true); // 01:30 BST
    expect(inQuietHours(new Date('2026-10-25T01:30:00Z'), night, tz)).toBe(true); // 01:30 GMT, the repeat
    expect(inQuietHours(new Date('2026-10-25T07:30:00Z'), night, tz)).toBe(true); // 07:30 GMT
    expect(inQuietHours(new Date('2026-10-25T08:00:00Z'), night, tz)).toBe(false);
    expect(inQuietHours(new Date('2026-10-24T07:30:00Z'), night, tz)).toBe(false); // 08:30 BST the day before
  });

  it('spans midnight and the year end', () => {
    expect(inQuietHours(new Date('2026-12-31T23:59:59Z'), night, tz)).toBe(true);
    expect(inQuietHours(new Date('2027-01-01T00:00:00Z'), night, tz)).toBe(true);
    expect(inQuietHours(new Date('2027-01-01T07:59:59Z'), night, tz)).toBe(true);
    expect(inQuietHours(new Date('2027-01-01T08:00:00Z'), night, tz)).toBe(false);
  });
});

describe('quietHoursEnd', () => {
  const night = { start: 21 * 60, end: 8 * 60 };
  const tz = 'Europe/London';
  const end = (iso: string) => quietHoursEnd(new Date(iso), night, tz)?.toISOString() ?? null;

  it('is the next 08:00 UK time, or null outside quiet hours', () => {
    expect(end('2026-01-10T21:30:00Z')).toBe('2026-01-11T08:00:00.000Z');
    expect(end('2026-01-11T07:59:30Z')).toBe('2026-01-11T08:00:00.000Z');
    expect(end('2026-07-10T23:00:00Z')).toBe('2026-07-11T07:00:00.000Z'); // 08:00 BST
    expect(end('2026-01-10T12:00:00Z')).toBeNull();
    expect(quietHoursEnd(new Date('2026-01-10T23:00:00Z'), null, tz)).toBeNull();
  });

  it('lands on 08:00 local across both switch nights', () => {
    // 22:00 GMT on Saturday 28 March 2026; the clocks go forward overnight: 08:00 BST is 07:00 UTC
    expect(end('2026-03-28T22:00:00Z')).toBe('2026-03-29T07:00:00.000Z');
    // 21:30 BST on Saturday 24 October 2026; the clocks go back overnight: 08:00 GMT is 08:00 UTC
    expect(end('2026-10-24T20:30:00Z')).toBe('2026-10-25T08:00:00.000Z');
  });
});

describe('finishSeconds: sending time spread around quiet hours', () => {
  const night = { start: 21 * 60, end: 8 * 60 };
  const tz = 'Europe/London';

  it('is the work itself without a window, or when it ends before the window', () => {
    expect(finishSeconds(100_000, new Date('2026-01-10T09:00:00Z'), null, tz)).toBe(100_000);
    expect(finishSeconds(3_600, new Date('2026-01-10T09:00:00Z'), night, tz)).toBe(3_600);
  });

  it('skips the quiet night: 2 h of sending started at 20:00 GMT ends at 09:00 next day', () => {
    const start = new Date('2026-01-10T20:00:00Z');
    expect(finishSeconds(7_200, start, night, tz)).toBe(13 * 3600);
  });

  it('starts at the end of the window when asked during it, in summer time too', () => {
    // 22:00 UTC in July is 23:00 BST; sending starts at 08:00 BST = 07:00 UTC, 9 h later
    expect(finishSeconds(60, new Date('2026-07-10T22:00:00Z'), night, tz)).toBe(9 * 3600 + 60);
  });

  it('gives up (null) beyond a year', () => {
    const always = { start: 0, end: 23 * 60 + 59 };
    expect(finishSeconds(365 * 24 * 3600, new Date('2026-01-10T00:00:00Z'), always, tz)).toBeNull();
  });
});
