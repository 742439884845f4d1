import { parsePortedInAt } from './ported-at';

const now = new Date('2025-06-01T12:00:00Z');
const iso = (raw: string) => {
  const r = parsePortedInAt(raw, now);
  return r instanceof Date ? r.toISOString() : r;
};

describe('parsePortedInAt', () => {
  it.each([
    ['2025-05-20', '2025-05-20T00:00:00.000Z'],
    ['2025-05-20T08:30', '2025-05-20T08:30:00.000Z'],
    ['2025-05-20 08:30:15', '2025-05-20T08:30:15.000Z'],
    ['2025-05-20T08:30:15.25Z', '2025-05-20T08:30:15.250Z'],
    ['2025-05-20T08:30:00+01:00', '2025-05-20T07:30:00.000Z'],
    ['2025-05-20T08:30:00-0530', '2025-05-20T14:00:00.000Z'],
    ['  2024-02-29  ', '2024-02-29T00:00:00.000Z'],
  ])('reads %j as %s', (raw, expected) => expect(iso(raw)).toBe(expected));

  it('treats an empty cell as not ported', () => {
    expect(iso('')).toBeNull();
    expect(iso('   ')).toBeNull();
  });

  it.each([
    'yesterday',
    '20/05/2025',
    '2025-5-20',
    '2025-02-30', // no such day
    '2023-02-29', // not a leap year
    '2025-05-20T24:00',
    '2025-05-20T08:61',
    '2025-05-20T08:30+1',
    '2025-05-20T08:30:00Zjunk',
  ])('refuses %j', (raw) => expect(iso(raw)).toBe('invalid'));

  it('refuses a port in the future, beyond a day of grace', () => {
    expect(iso('2025-06-02T11:00:00Z')).toBe('2025-06-02T11:00:00.000Z');
    expect(iso('2025-06-03')).toBe('invalid');
  });
});
