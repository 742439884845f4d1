import { classify, DetectionRules, isPartner, normalisePartner } from './detection';
import { LogRecord } from './formats';
import { compileMobileMatcher } from '../platform/privacy/mobile-number';

const FROM = Date.UTC(2025, 10, 24, 0, 0, 0);
const TO = Date.UTC(2025, 10, 25, 0, 0, 0);
const rules: DetectionRules = {
  from: FROM,
  to: TO,
  partners: ['o2.co.uk'],
  mobile: compileMobileMatcher('GB'),
};
const rec = (o: Partial<LogRecord> = {}): LogRecord => ({
  time: FROM + 3600_000,
  method: 'GET',
  host: 'www.example.com',
  outcome: 'forwarded',
  headers: [{ name: 'x-msisdn', value: '07911123456' }],
  ...o,
});

describe('classify (the detection rule)', () => {
  it('finds an exposure with the number in E.164', () => {
    expect(classify(rec(), rules)).toEqual({ kind: 'exposure', numbers: ['+447911123456'], invalid: 0 });
  });

  it('is clean without an allow-listed header', () => {
    expect(classify(rec({ headers: [] }), rules)).toEqual({ kind: 'clean' });
  });

  it('includes from and excludes to', () => {
    expect(classify(rec({ time: FROM }), rules).kind).toBe('exposure');
    expect(classify(rec({ time: FROM - 1 }), rules)).toEqual({ kind: 'excluded', reason: 'outside_window' });
    expect(classify(rec({ time: TO - 1 }), rules).kind).toBe('exposure');
    expect(classify(rec({ time: TO }), rules)).toEqual({ kind: 'excluded', reason: 'outside_window' });
  });

  it('excludes CONNECT, cache hits, denials and requests not forwarded', () => {
    expect(classify(rec({ method: 'CONNECT' }), rules)).toMatchObject({ reason: 'connect' });
    expect(classify(rec({ outcome: 'cache_hit' }), rules)).toMatchObject({ reason: 'cache_hit' });
    expect(classify(rec({ outcome: 'denied' }), rules)).toMatchObject({ reason: 'denied' });
    expect(classify(rec({ outcome: 'not_forwarded' }), rules)).toMatchObject({ reason: 'not_forwarded' });
  });

  it('counts a value that does not normalise as invalid', () => {
    expect(classify(rec({ headers: [{ name: 'msisdn', value: 'unknown' }] }), rules)).toEqual({
      kind: 'invalid',
      invalid: 1,
    });
    expect(classify(rec({ headers: [{ name: 'msisdn', value: '02079460018' }] }), rules)).toEqual({
      kind: 'invalid',
      invalid: 1,
    });
  });

  it('dedupes a number sent in two headers and counts the invalid one beside it', () => {
    const headers = [
      { name: 'x-msisdn', value: '+447911123456' },
      { name: 'x-up-calling-line-id', value: '447911123456' },
      { name: 'x-wap-msisdn', value: 'garbage' },
      { name: 'x-h3g-msisdn', value: '07911 123457' },
    ];
    expect(classify(rec({ headers }), rules)).toEqual({
      kind: 'exposure',
      numbers: ['+447911123456', '+447911123457'],
      invalid: 1,
    });
  });

  it('finds the number inside x-network-info', () => {
    const h = (value: string) => rec({ headers: [{ name: 'x-network-info', value }] });
    expect(classify(h('GPRS,447911123456,10.2.3.4,internet,unsecured'), rules)).toMatchObject({
      kind: 'exposure',
      numbers: ['+447911123456'],
      invalid: 0,
    });
    expect(classify(h('GPRS,10.2.3.4,internet'), rules)).toEqual({ kind: 'invalid', invalid: 1 });
  });

  it('separates partner exposures', () => {
    expect(classify(rec({ host: 'wap.o2.co.uk' }), rules).kind).toBe('partner');
    expect(classify(rec({ host: 'o2.co.uk' }), rules).kind).toBe('partner');
    expect(classify(rec({ host: 'noto2.co.uk' }), rules).kind).toBe('exposure');
  });
});

describe('partner suffixes', () => {
  it.each([
    ['o2.co.uk', true],
    ['wap.o2.co.uk', true],
    ['a.b.o2.co.uk', true],
    ['noto2.co.uk', false],
    ['o2.co.uk.evil.com', false],
    ['co.uk', false],
    ['', false],
  ])('%s → %s', (host, expected) => expect(isPartner(host, ['o2.co.uk'])).toBe(expected));

  it('normalises suffixes and refuses nonsense', () => {
    expect(normalisePartner(' *.O2.co.uk. ')).toBe('o2.co.uk');
    expect(normalisePartner('.ee.co.uk')).toBe('ee.co.uk');
    expect(() => normalisePartner('o2 co uk')).toThrow(/not a host name/);
    expect(() => normalisePartner('')).toThrow();
  });
});
