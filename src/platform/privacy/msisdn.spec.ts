import { createHmac } from 'node:crypto';
import { containsPhoneNumber, mask, maskEmail, scrubPii, toE164 } from './msisdn';
import { Pseudonymiser } from './pseudonymiser';

describe('toE164', () => {
  it.each([
    ['07911 123456', '+447911123456'],
    ['+44 7911 123456', '+447911123456'],
    ['0044 7911 123456', '+447911123456'],
    ['447911123456', '+447911123456'],
    ['tel:+447911123456', '+447911123456'],
    ['(07911) 123-456', '+447911123456'],
  ])('normalises %s', (input, expected) => expect(toE164(input)).toBe(expected));

  it.each(['', 'abc', '0770090012', '+4479111234564567', '12345'])('rejects %s', (input) =>
    expect(toE164(input)).toBeNull(),
  );

  it('can require a mobile number', () => {
    expect(toE164('020 7946 0018')).toBe('+442079460018');
    expect(toE164('020 7946 0018', 'GB', true)).toBeNull();
    expect(toE164('07911 123456', 'GB', true)).toBe('+447911123456');
  });
});

describe('masking', () => {
  it('masks a UK number to prefix and last three digits', () => {
    expect(mask('+447911123456')).toBe('+44 7*** ***456');
    expect(mask('')).toBe('');
  });
  it('masks emails', () => expect(maskEmail('alice@example.com')).toBe('a***@e***.com'));
  it('scrubs numbers and emails out of free text', () => {
    const out = scrubPii('sms to +447911123456 and 07911 654456 for bob@example.org failed');
    expect(out).toBe('sms to +44 7*** ***456 and +44 7*** ***456 for b***@e***.org failed');
    expect(containsPhoneNumber(out)).toBe(false);
    expect(containsPhoneNumber('call 07911123456')).toBe(true);
    expect(containsPhoneNumber('order 12345 at 2026-11-24T10:00:00Z')).toBe(false);
    expect(containsPhoneNumber('GET /x?to=%2B447911123456')).toBe(true);
    expect(containsPhoneNumber('pseudonym ab0012345678901234cd and 1764028800000')).toBe(false);
  });
});

describe('Pseudonymiser', () => {
  it('is keyed and stable', () => {
    const a = new Pseudonymiser('k'.repeat(16));
    const b = new Pseudonymiser('j'.repeat(16));
    expect(a.pseudonym('+447911123456')).toBe(a.pseudonym('+447911123456'));
    expect(a.pseudonym('+447911123456')).not.toBe(b.pseudonym('+447911123456'));
    expect(a.pseudonym('+447911123456')).toMatch(/^[0-9a-f]{64}$/);
  });
  it('is exactly HMAC-SHA256 (stored pseudonyms and SQL hmac() must keep matching)', () => {
    const hmac = (key: string, v: string, purpose = 'msisdn') =>
      createHmac('sha256', key).update(purpose).update('\0').update(v).digest('hex');
    for (const key of ['k'.repeat(16), 'é-key-with-ünicode-0123', 'x'.repeat(64), 'long'.repeat(40)]) {
      const p = new Pseudonymiser(key);
      for (const v of ['+447911123456', '', 'a'.repeat(300), 'ünï']) {
        expect(p.pseudonym(v)).toBe(hmac(key, v));
        expect(p.pseudonym(v, 'email')).toBe(hmac(key, v, 'email'));
      }
    }
  });
  it('refuses a short key', () => expect(() => new Pseudonymiser('short')).toThrow(/16/));
});

describe('scrubPii: forms the probe found in logs (issue 18, F16)', () => {
  it.each([
    ['a number without its leading 0', 'to 7911123456 failed', 'to +44 7*** ***456 failed'],
    ['digits spaced one by one', 'to 0 7 9 1 1 1 2 3 4 5 6 failed', 'to +44 7*** ***456 failed'],
    ['full-width digits', 'to ０７９１１１２３４５６ failed', 'to +44 7*** ***456 failed'],
    ['a URL-encoded email', '/x?email=alice%40example.com&y=1', '/x?email=a***@e***.com&y=1'],
  ])('%s', (_what, text, masked) => {
    const out = scrubPii(text);
    expect(out).toBe(masked);
    expect(containsPhoneNumber(out)).toBe(false);
  });

  it('still leaves ids, digests and counts alone', () => {
    const text = 'run 3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f read 123456789 lines, sha256 00ab1234567890ff';
    expect(scrubPii(text)).toBe(text);
  });
});
