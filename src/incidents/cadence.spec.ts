import { defaultNextUpdateBy, dueReminders, minutesText, reminderAudience, reminderTimes } from './cadence';

const at = (iso: string) => new Date(iso);
const cadence = { minutes: 60, fastForHours: 48, slowMinutes: 240 };

describe('defaultNextUpdateBy', () => {
  const detected = at('2025-11-25T08:00:00Z');
  it('is one cadence interval after publication in the first 48 hours', () => {
    expect(defaultNextUpdateBy(cadence, detected, at('2025-11-25T09:10:00Z'))).toEqual(
      at('2025-11-25T10:10:00Z'),
    );
    expect(defaultNextUpdateBy(cadence, detected, at('2025-11-27T07:59:00Z'))).toEqual(
      at('2025-11-27T08:59:00Z'),
    );
  });
  it('slows down once the fast window has passed', () => {
    expect(defaultNextUpdateBy(cadence, detected, at('2025-11-27T08:00:00Z'))).toEqual(
      at('2025-11-27T12:00:00Z'),
    );
  });
});

describe('reminders', () => {
  const promise = at('2025-11-25T10:00:00Z');
  it('falls due 10 minutes before and at the promise', () => {
    expect(reminderTimes(promise, 10)).toEqual({
      due_soon: at('2025-11-25T09:50:00Z'),
      overdue: promise,
      escalated: at('2025-11-25T10:10:00Z'),
    });
  });
  it.each([
    ['2025-11-25T09:49:59Z', []],
    ['2025-11-25T09:50:00Z', ['due_soon']],
    ['2025-11-25T09:59:59Z', ['due_soon']],
    ['2025-11-25T10:00:00Z', ['due_soon', 'overdue']],
    ['2025-11-25T10:10:00Z', ['due_soon', 'overdue', 'escalated']],
  ])('at %s: %j', (now, kinds) => {
    expect(dueReminders(promise, at(now), 10)).toEqual(kinds);
  });
});

describe('reminder audience and wording', () => {
  it('goes to the lead and deputy first, then all comms, then supervisors', () => {
    expect(reminderAudience('due_soon', ['lead', 'deputy'])).toEqual({
      userIds: ['lead', 'deputy'],
      roles: [],
    });
    expect(reminderAudience('overdue', ['lead'])).toEqual({ userIds: ['lead'], roles: ['comms'] });
    expect(reminderAudience('escalated', ['lead'])).toEqual({
      userIds: ['lead'],
      roles: ['comms', 'supervisor'],
    });
    expect(reminderAudience('due_soon', [])).toEqual({ userIds: [], roles: ['comms'] });
  });
  it('names the real minutes', () => {
    expect(minutesText(3 * 60_000 + 59_000)).toEqual({ minutes: 3, text: '3 minutes' });
    expect(minutesText(60_000).text).toBe('1 minute');
    expect(minutesText(30_000).text).toBe('less than a minute');
    expect(minutesText(-12 * 60_000).text).toBe('12 minutes');
  });
});
