import { countdown, formatUk, isoToUkLocal, ukLocalToIso } from './time';

describe('UK local time in the console', () => {
  it('reads a winter time as GMT and a summer time as BST', () => {
    expect(ukLocalToIso('2026-12-03T14:05')).toBe('2026-12-03T14:05:00.000Z');
    expect(ukLocalToIso('2026-07-01T14:05')).toBe('2026-07-01T13:05:00.000Z');
  });

  it('handles the clock changes: a skipped spring time and a repeated autumn time', () => {
    // 29 March 2026: 01:00 GMT → 02:00 BST, so 01:30 does not exist on the wall
    expect(ukLocalToIso('2026-03-29T01:30')).toBe('2026-03-29T01:30:00.000Z');
    // 25 October 2026: 01:30 happens twice; the first (BST) is meant
    expect(ukLocalToIso('2026-10-25T01:30')).toBe('2026-10-25T00:30:00.000Z');
  });

  it('refuses what is not a date-time', () => {
    expect(ukLocalToIso('tomorrow')).toBeNull();
    expect(ukLocalToIso('2026-13-01T10:00')).toBeNull();
  });

  it('round-trips an instant through the form field', () => {
    for (const iso of ['2026-12-03T14:05:00.000Z', '2026-07-01T13:05:00.000Z']) {
      expect(ukLocalToIso(isoToUkLocal(iso))).toBe(iso);
    }
  });

  it('shows the zone with the time', () => {
    expect(formatUk('2026-12-03T14:05:00Z')).toMatch(/14:05 GMT/);
    expect(formatUk('2026-07-01T13:05:00Z')).toMatch(/14:05 BST/);
    expect(formatUk(null)).toBe('—');
  });

  it('counts down: fine, amber when due soon, red when overdue', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(countdown('2026-12-03T12:42:00Z', now)).toEqual({ text: 'in 42 min', tone: 'ok' });
    expect(countdown('2026-12-03T12:08:00Z', now)).toEqual({ text: 'in 8 min', tone: 'soon' });
    expect(countdown('2026-12-03T11:55:00Z', now)).toEqual({ text: 'overdue by 5 min', tone: 'overdue' });
    expect(countdown('2026-12-03T14:30:00Z', now).text).toBe('in 2 h 30 min');
  });
});
