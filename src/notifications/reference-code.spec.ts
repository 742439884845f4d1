import { parseReferenceCode, referenceCode } from './reference-code';

describe('reference codes', () => {
  const key = 'k'.repeat(32);

  it('round-trips ids, including large ones, and reads sloppy typing', () => {
    for (const id of ['1', '42', '99999', '123456789012']) {
      const code = referenceCode(key, id);
      expect(code).toMatch(/^[0-9A-Z]{4,}-[0-9A-Z]{6}$/);
      expect(parseReferenceCode(key, code)).toBe(id);
      expect(parseReferenceCode(key, ` ${code.toLowerCase().replace('-', ' ')} `)).toBe(id);
    }
  });

  it('refuses forged, altered and malformed codes', () => {
    const code = referenceCode(key, '1000');
    expect(parseReferenceCode('j'.repeat(32), code)).toBeNull(); // another key
    const last = code.at(-1) === 'A' ? 'B' : 'A';
    expect(parseReferenceCode(key, code.slice(0, -1) + last)).toBeNull();
    const otherId = referenceCode(key, '1001').split('-')[0];
    expect(parseReferenceCode(key, `${otherId}-${code.split('-')[1]}`)).toBeNull(); // MAC of another id
    for (const bad of ['', 'hello', 'ZZZZ', '!!!!-!!!!!!', '0'.repeat(40)])
      expect(parseReferenceCode(key, bad)).toBeNull();
  });

  it('is stable per key and id, distinct across ids', () => {
    expect(referenceCode(key, '7')).toBe(referenceCode(key, '7'));
    const codes = new Set(Array.from({ length: 2000 }, (_, i) => referenceCode(key, String(i + 1))));
    expect(codes.size).toBe(2000);
  });
});
