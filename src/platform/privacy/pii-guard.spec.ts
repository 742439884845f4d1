import { loadConfig } from '../config';
import { describePii, findPii, phoneKey, PublicTextPolicy } from './pii-guard';

// The configured default (PII_ACCOUNT_ID_PATTERN), official contacts 0800 123 4567 and help@candor.example.
const config = loadConfig({});
const policy: PublicTextPolicy = {
  accountIdPattern: config.incidents.accountIdPattern,
  officialContacts: config.comms.officialContacts,
  links: { baseUrl: 'https://status.candor.example', domains: config.comms.officialDomains },
};
const check = (text: string) => findPii({ bodyEn: text }, policy).map((f) => f.kind);

describe('privacy check', () => {
  it.each([
    'Call us on 07911 123456 for help',
    'call +44 7911 123456',
    'text 447911123456 now',
    'London office 020 7946 0018',
    'reach +1 415 555 2671',
    // F20: digits separated by single spaces, dots, dashes or brackets, and full-width digits
    'ring 0 7 9 1 1 1 2 3 4 5 6',
    'ring 07911.123.456',
    'ring 07911-123-456',
    'ring (07911) 123 456',
    'ring +44 (0) 7911 123456',
    'ring 44 7911 123 456',
    'ring ０７９１１ １２３４５６',
  ])('refuses a phone number: %s', (text) => {
    expect(check(text)).toContain('phone number');
  });

  it.each(['write to jane.doe@example.com', 'DPO: dpo@gmail.com'])('refuses an email: %s', (text) => {
    expect(check(text)).toEqual(['email address']);
  });

  it.each([
    'Call our helpline on 0800 123 4567',
    'Call our helpline on 0800-123-4567 or +44 800 123 4567',
    'Write to help@candor.example or dpo@candor.example',
  ])('lets the operator’s official contacts through: %s', (text) => {
    expect(check(text)).toEqual([]);
  });

  it.each(['account 12345678 was affected', 'ref ACC-001234', 'Customer no. 998877', 'id 1234567890123'])(
    'refuses an account id: %s',
    (text) => {
      expect(check(text).length).toBeGreaterThan(0);
    },
  );

  it('refuses links the link rule refuses (F2, F11)', () => {
    expect(check('Claim your refund at http://198.51.100.7/claim')).toEqual(['link']);
    expect(check('Details at https://status.candor.example/status')).toEqual([]);
  });

  it.each([
    'We are investigating an issue with the web gateway since 08:00 on 25/11/2025.',
    'Around 120,000 customers may be affected. Next update at 14:00.',
    'Version 2.4.1 of the gateway was rolled back at 12:05; see CVE-2025-1234.',
    'Mae ein tîm yn ymchwilio i broblem gyda’r porth gwe.',
  ])('lets ordinary text through: %s', (text) => {
    expect(check(text)).toEqual([]);
  });

  it('names the field, masks the fragment and uses the right article', () => {
    const findings = findPii({ bodyEn: 'ok', bodyCy: 'ffoniwch 07911 123456 neu a@b.com' }, policy);
    const msg = describePii(findings);
    expect(msg).toBe(
      'bodyCy contains something that looks like an email address (a***@b***.com); ' +
        'bodyCy contains something that looks like a phone number (+44 7*** ***456)',
    );
    expect(msg).not.toContain('123456');
  });

  it('compares numbers however they are written', () => {
    expect(phoneKey('+44 800 123 4567')).toBe(phoneKey('0800-123-4567'));
    expect(phoneKey('0044 800 123 4567')).toBe('08001234567');
  });
});
