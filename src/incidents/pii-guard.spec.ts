import { loadConfig } from '../platform/config';
import { describePii, findPii } from './pii-guard';

// The configured default (PII_ACCOUNT_ID_PATTERN).
const accountIds = loadConfig({}).incidents.accountIdPattern;
const check = (text: string) => findPii({ bodyEn: text }, accountIds).map((f) => f.kind);

describe('PII guard', () => {
  it.each([
    'Call us on 07911 123456 for help',
    'call +44 7911 123456',
    'text 447911123456 now',
    'our helpline 0800 123 4567',
    'London office 020 7946 0018',
    'reach +1 415 555 2671',
  ])('refuses a phone number: %s', (text) => {
    expect(check(text)).toContain('phone number');
  });

  it.each(['write to jane.doe@example.com', 'DPO: dpo@candor.co.uk'])('refuses an email: %s', (text) => {
    expect(check(text)).toEqual(['email address']);
  });

  it.each(['account 12345678 was affected', 'ref ACC-001234', 'Customer no. 998877', 'id 1234567890123'])(
    'refuses an account id: %s',
    (text) => {
      expect(check(text).length).toBeGreaterThan(0);
    },
  );

  it.each([
    'We are investigating an issue with the web gateway since 08:00 on 25/11/2025.',
    'Around 120,000 customers may be affected. Next update at 14:00.',
    'Version 2.4.1 of the gateway was rolled back at 12:05; see CVE-2025-1234.',
    'Mae ein tîm yn ymchwilio i broblem gyda’r porth gwe.',
  ])('lets ordinary text through: %s', (text) => {
    expect(check(text)).toEqual([]);
  });

  it('names the field and masks the fragment in its message', () => {
    const findings = findPii({ bodyEn: 'ok', bodyCy: 'ffoniwch 07911 123456' }, accountIds);
    const msg = describePii(findings);
    expect(msg).toBe('bodyCy contains something that looks like a phone number (+44 7*** ***456)');
    expect(msg).not.toContain('123456');
  });
});
