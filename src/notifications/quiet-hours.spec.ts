import { inQuietHours } from './quiet-hours';

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
});
