import { loadConfig } from '../../platform/config';
import { createElffParser } from './elff';
import { SKIP } from './log-record';

const allow = new Set(loadConfig({}).analysis.headerAllowlist);
const FIELDS =
  '#Fields: date time time-taken c-ip sc-status s-action cs-method cs-uri-scheme cs-host cs-uri-path cs(User-Agent) cs(X-MSISDN) sc-filter-result';

describe('ELFF parser', () => {
  it('reads columns from #Fields, quoted values, UTC date and time', () => {
    const p = createElffParser(allow);
    expect(p.parse('#Software: SGOS 6.7')).toBe(SKIP);
    expect(p.parse(FIELDS)).toBe(SKIP);
    expect(
      p.parse(
        '2025-11-24 10:15:00 12 10.0.0.9 200 TCP_NC_MISS GET http News.Example.com /x "Mozilla/5.0 (X11; Linux)" "+44 7911 123456" OBSERVED',
      ),
    ).toEqual({
      time: Date.UTC(2025, 10, 24, 10, 15, 0),
      method: 'GET',
      host: 'news.example.com',
      outcome: 'forwarded',
      headers: [{ name: 'x-msisdn', value: '+44 7911 123456' }],
    });
  });

  it('follows a #Fields change mid-file', () => {
    const p = createElffParser(allow);
    p.parse(FIELDS);
    p.parse('#Fields: date time cs-method cs-uri s-action cs(X-Up-Calling-Line-Id)');
    expect(p.parse('2025-11-24 10:15:00 GET http://a.example.net/p TCP_MISS 07911123456')).toMatchObject({
      host: 'a.example.net',
      headers: [{ name: 'x-up-calling-line-id', value: '07911123456' }],
    });
    // a line in the old shape now has the wrong number of columns
    expect(
      p.parse('2025-11-24 10:15:00 12 10.0.0.9 200 TCP_NC_MISS GET http a.com /x "UA" - OBSERVED'),
    ).toBeNull();
  });

  it('reads hits and denials from s-action or sc-filter-result', () => {
    const p = createElffParser(allow);
    p.parse(FIELDS);
    const l = (action: string, filter: string) =>
      p.parse(`2025-11-24 10:15:00 1 10.0.0.9 200 ${action} GET http a.com / "UA" 07911123456 ${filter}`);
    expect(l('TCP_HIT', 'OBSERVED')).toMatchObject({ outcome: 'cache_hit' });
    expect(l('TCP_DENIED', 'DENIED')).toMatchObject({ outcome: 'denied' });
    expect(l('TCP_NC_MISS', 'DENIED')).toMatchObject({ outcome: 'denied' });
  });

  it('refuses data before any #Fields, bad dates and garbage', () => {
    const p = createElffParser(allow);
    expect(p.parse('2025-11-24 10:15:00 GET')).toBeNull();
    p.parse('#Fields: date time cs-method cs-host cs(X-MSISDN)');
    expect(p.parse('2025-13-45 99:00:00 GET a.com 07911123456')).toBeNull();
    expect(p.parse('\u0000\u0001\u0002')).toBeNull();
    expect(p.parse('')).toBe(SKIP);
  });
});
