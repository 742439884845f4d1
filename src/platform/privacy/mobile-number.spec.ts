import { toE164 } from './msisdn';
import { compileMobileMatcher } from './mobile-number';

describe('compileMobileMatcher (GB)', () => {
  const match = compileMobileMatcher('GB');

  it.each([
    ['07911 123456', '+447911123456'],
    ['07911123456', '+447911123456'],
    ['+447911123456', '+447911123456'],
    ['+44 7911 123456', '+447911123456'],
    ['447911123456', '+447911123456'],
    ['00447911123456', '+447911123456'],
    ['0044 7911 123456', '+447911123456'],
    ['tel:+447911123456', '+447911123456'],
    ['TEL:07911123456', '+447911123456'],
    ['(07911) 123-456', '+447911123456'],
    ['  07911.123.456 ', '+447911123456'],
    ['+447781123456', '+447781123456'], // Guernsey mobile, shares +44: libphonenumber calls it valid MOBILE
  ])('normalises %s', (input, expected) => expect(match(input)).toBe(expected));

  it.each([
    ['', 'empty'],
    ['-', 'a placeholder'],
    ['unknown', 'text'],
    ['7911123456', 'no prefix at all'],
    ['02079460018', 'a London landline'],
    ['+442079460018', 'a landline in international form'],
    ['07700900123', 'the Ofcom drama range'],
    ['0791112345', 'too short'],
    ['079111234567', 'too long'],
    ['+337911123456', 'another country'],
    ['+1 415 555 0100', 'a US number'],
    ['07911x23456', 'a letter inside'],
    ['4407911123456', 'calling code and national prefix'],
  ])('rejects %s (%s)', (input) => expect(match(input)).toBeNull());

  it('agrees with libphonenumber (valid and MOBILE) on 20,000 random numbers in several forms', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let valid = 0;
    for (let i = 0; i < 20000; i++) {
      const lead = ['7', '7', '7', '1', '2', '3', '8'][Math.floor(rnd() * 7)];
      const nsn = lead + String(Math.floor(rnd() * 1e9)).padStart(9, '0');
      const form = ['0' + nsn, '+44' + nsn, '0044' + nsn, '44' + nsn][i % 4];
      const expected = toE164(form, 'GB', true);
      expect([form, match(form)]).toEqual([form, expected]);
      if (expected) valid++;
    }
    expect(valid).toBeGreaterThan(5000); // the sample exercised both answers
  });
});

describe('compileMobileMatcher (other countries)', () => {
  it('uses the configured country', () => {
    const ie = compileMobileMatcher('IE');
    expect(ie('085 123 4567')).toBe('+353851234567');
    expect(ie('07911123456')).toBeNull();
  });
  it('refuses an unknown country', () => expect(() => compileMobileMatcher('XX')).toThrow(/unknown country/));
});
