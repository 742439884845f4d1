import { loadConfig } from '../../platform/config';
import { SKIP } from './log-record';
import { compileSquidFormat, createSquidParser } from './squid';

const allow = new Set(loadConfig({}).analysis.headerAllowlist);
const line = (over: Partial<Record<string, string>> = {}) => {
  const f = {
    ts: '1764000000.123',
    rt: '   125',
    client: '10.1.2.3',
    result: 'TCP_MISS/200',
    size: '5120',
    method: 'GET',
    url: 'http://www.example.com/page?a=1',
    user: '-',
    hier: 'HIER_DIRECT/93.184.216.34',
    mime: 'text/html',
    ua: '"Mozilla/5.0 (Linux; Android 14)"',
    msisdn: '"447911123456"',
    ...over,
  };
  return Object.values(f).join(' ');
};

describe('squid parser (default logformat)', () => {
  const p = createSquidParser(allow);

  it('reads time, method, host, outcome and the calling line id', () => {
    expect(p.parse(line())).toEqual({
      time: 1764000000123,
      method: 'GET',
      host: 'www.example.com',
      outcome: 'forwarded',
      headers: [{ name: 'x-up-calling-line-id', value: '447911123456' }],
    });
  });

  it('reads result codes: hits and denials', () => {
    expect(p.parse(line({ result: 'TCP_HIT/200' }))).toMatchObject({ outcome: 'cache_hit' });
    expect(p.parse(line({ result: 'TCP_MEM_HIT/200' }))).toMatchObject({ outcome: 'cache_hit' });
    expect(p.parse(line({ result: 'TCP_REFRESH_UNMODIFIED_HIT/304' }))).toMatchObject({
      outcome: 'cache_hit',
    });
    expect(p.parse(line({ result: 'TCP_DENIED/403' }))).toMatchObject({ outcome: 'denied' });
    expect(p.parse(line({ result: 'TCP_TUNNEL/200' }))).toMatchObject({ outcome: 'forwarded' });
  });

  it('reads a CONNECT target as host:port', () => {
    expect(p.parse(line({ method: 'CONNECT', url: 'secure.example.com:443' }))).toMatchObject({
      method: 'CONNECT',
      host: 'secure.example.com',
    });
  });

  it('treats - as no header, decodes URL-encoded values and escaped quotes', () => {
    expect(p.parse(line({ msisdn: '"-"' }))).toMatchObject({ headers: [] });
    expect(p.parse(line({ msisdn: '"%2B447911123456"' }))).toMatchObject({
      headers: [{ value: '+447911123456' }],
    });
    expect(p.parse(line({ ua: '"agent \\"quoted\\" here"' }))).toMatchObject({ host: 'www.example.com' });
  });

  it('refuses lines with the wrong number of fields, a bad time or result code, or an open quote', () => {
    expect(p.parse(line().split(' ').slice(0, 8).join(' '))).toBeNull();
    expect(p.parse(line({ ts: 'yesterday' }))).toBeNull();
    expect(p.parse(line({ result: '200' }))).toBeNull();
    expect(p.parse(line({ msisdn: '"447911123456' }))).toBeNull();
    expect(p.parse('\u0000\u00ff\u0013garbage')).toBeNull();
  });

  it('skips blank and comment lines', () => {
    expect(p.parse('')).toBe(SKIP);
    expect(p.parse('# rotated')).toBe(SKIP);
  });
});

describe('squid logformat compiler', () => {
  it('understands custom formats with any %{Header}>h field', () => {
    const p = createSquidParser(
      allow,
      '%ts.%03tu %>a %Ss/%03>Hs %rm %ru "%{X-MSISDN}>h" "%{Host}>h" %{X-Nokia-MSISDN}>ha',
    );
    const r = p.parse('1764000000.5 10.0.0.1 TCP_MISS/200 POST /submit "07911 123456" "api.example.org" -');
    expect(r).toEqual({
      time: 1764000000500,
      method: 'POST',
      host: 'api.example.org', // from the Host header when the URL has none
      outcome: 'forwarded',
      headers: [{ name: 'x-msisdn', value: '07911 123456' }],
    });
  });

  it('ignores header fields outside the allowlist and refuses a format without time, URL or result', () => {
    expect(compileSquidFormat('%ts "%{User-Agent}>h"')[1]).toEqual({ kind: 'header', name: 'user-agent' });
    expect(() => createSquidParser(allow, '%>a %rm %ru')).toThrow(/no time field/);
  });
});
