import { defaultNextUpdateBy, dueReminders, regulatorClocks, reminderTimes } from './cadence';

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
    expect(reminderTimes(promise, 10)).toEqual({ due_soon: at('2025-11-25T09:50:00Z'), overdue: promise });
  });
  it.each([
    ['2025-11-25T09:49:59Z', []],
    ['2025-11-25T09:50:00Z', ['due_soon']],
    ['2025-11-25T09:59:59Z', ['due_soon']],
    ['2025-11-25T10:00:00Z', ['due_soon', 'overdue']],
    ['2025-11-26T10:00:00Z', ['due_soon', 'overdue']],
  ])('at %s: %j', (now, kinds) => {
    expect(dueReminders(promise, at(now), 10)).toEqual(kinds);
  });
});

describe('regulatorClocks', () => {
  const detected = at('2025-11-25T08:00:00Z');
  it('counts down 24 h and 72 h from detection', () => {
    const [pecr, gdpr] = regulatorClocks(detected, at('2025-11-25T20:00:00Z'), {});
    expect(pecr).toMatchObject({
      kind: 'pecr_initial',
      deadline: '2025-11-26T08:00:00.000Z',
      state: 'running',
      msLeft: 12 * 3600_000,
    });
    expect(gdpr).toMatchObject({
      kind: 'gdpr_art33',
      deadline: '2025-11-28T08:00:00.000Z',
      state: 'running',
    });
  });
  it('goes overdue with negative time left once missed', () => {
    const [pecr] = regulatorClocks(detected, at('2025-11-26T09:00:00Z'), {});
    expect(pecr).toMatchObject({ state: 'overdue', msLeft: -3600_000 });
  });
  it('stops when recorded, noting whether it was on time', () => {
    const [pecr, gdpr] = regulatorClocks(detected, at('2025-11-29T00:00:00Z'), {
      pecr_initial: { notifiedAt: at('2025-11-25T18:00:00Z'), reference: 'ICO-123' },
      gdpr_art33: { notifiedAt: at('2025-11-28T09:00:00Z'), reference: 'ICO-456' },
    });
    expect(pecr).toMatchObject({ state: 'done', msLeft: null, reference: 'ICO-123' });
    expect(gdpr).toMatchObject({ state: 'done_late', notifiedAt: '2025-11-28T09:00:00.000Z' });
  });
});
