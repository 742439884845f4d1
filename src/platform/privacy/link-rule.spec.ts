import { offendingLinks, urlRefusal } from './link-rule';

const policy = { baseUrl: 'https://status.candor.example', domains: ['candor.example'] };
const links = (text: string) => offendingLinks(text, policy).map((l) => l.link);

describe('the link rule (F11)', () => {
  it.each([
    'https://status.candor.example/status/incidents/1',
    'https://www.candor.example/help',
    'see candor.example/account for details',
    'https://candor.example',
  ])('allows https to official domains: %s', (text) => {
    expect(links(text)).toEqual([]);
  });

  it.each([
    ['http://198.51.100.7/claim', 'not https'],
    ['https://198.51.100.7/claim', 'an IP address instead of a domain'],
    ['https://0xC6336407/claim', 'an IP address instead of a domain'],
    ['https://3325256839/claim', 'an IP address instead of a domain'],
    ['https://[::1]/x', 'an IP address instead of a domain'],
    ['javascript:alert(1)', 'the javascript: scheme'],
    ['data:text/html;base64,PGgxPg==', 'the data: scheme'],
    ['ftp://candor.example/file', 'the ftp: scheme'],
    ['http://candor.example/x', 'not https'],
    ['https://candor.example@evil.example/x', 'credentials in the link'],
    ['https://candor.example.evil.example/x', 'candor.example.evil.example is not an official domain'],
    ['claim at evil-candor.co.uk/refund', 'evil-candor.co.uk is not an official domain'],
  ])('refuses %s', (text, reason) => {
    const found = offendingLinks(`Go to ${text} now`, policy);
    expect(found.map((f) => f.reason)).toContain(reason);
  });

  it('catches bare dotted IP addresses and hex hosts without a scheme', () => {
    expect(links('visit 198.51.100.7/claim')).toEqual(['198.51.100.7']);
    expect(links('visit 0xC6336407/claim')).toHaveLength(1);
  });

  it('lets plain http through only for the exact PUBLIC_BASE_URL origin (a laptop)', () => {
    const dev = { baseUrl: 'http://localhost:3000', domains: [] };
    expect(urlRefusal('http://localhost:3000/status', dev)).toBeNull();
    expect(urlRefusal('http://localhost:4000/status', dev)).toBe('not https');
    const test = { baseUrl: 'http://127.0.0.1:3999', domains: [] };
    expect(urlRefusal('http://127.0.0.1:3999/verify/X', test)).toBeNull();
    expect(urlRefusal('http://127.0.0.1:4000/verify/X', test)).toBe('not https');
  });

  it('leaves ordinary text, versions, times and email addresses alone', () => {
    expect(links('Version 2.4.1 rolled back at 12:05 on 25.11.2025; write to help@candor.example.')).toEqual(
      [],
    );
    expect(links('Questions about: your bill. Tel: 0800 123 4567')).toEqual([]);
  });
});
