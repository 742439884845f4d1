import { createHmac, randomBytes } from 'node:crypto';
import { Pseudonymiser } from '../platform/privacy';
import { NumberPseudonyms } from './number-pseudonyms';

/** Numbers of every length from 1 to 16 digits, edges included. */
function someKeys(): Float64Array {
  const keys = [1, 9, 10, 447700900123, 447999999999, Number.MAX_SAFE_INTEGER];
  for (let digits = 1; digits <= 16; digits++)
    for (let i = 0; i < 20; i++)
      keys.push(Math.min(Number.MAX_SAFE_INTEGER, Math.floor(10 ** (digits - 1) * (1 + Math.random() * 9))));
  return Float64Array.from(keys);
}

/** A RangeError of pseudonyms (the addon's comes from another realm than jest's RangeError: matched by name). */
const rangeError = expect.objectContaining({
  name: 'RangeError',
  message: expect.stringMatching(/^pseudonyms: /),
});

describe('NumberPseudonyms', () => {
  // keys short, one block long, and past one block (hashed first)
  const keys = [
    'k'.repeat(16),
    'a pseudonym key of some length',
    randomBytes(32).toString('hex'),
    'x'.repeat(65),
    'é'.repeat(100),
  ];

  it('makes natively what the Pseudonymiser makes in JavaScript, and the HMAC of "msisdn", NUL, "+" and the digits', () => {
    for (const key of keys) {
      const p = new Pseudonymiser(key);
      const native = new NumberPseudonyms(p, true);
      const js = new NumberPseudonyms(p, false);
      expect(native.native).toBe(true); // the addon is built before the tests (npm run build)
      expect(js.native).toBe(false);
      const numbers = someKeys();
      const a = Buffer.alloc(numbers.length * 64);
      const b = Buffer.alloc(numbers.length * 64);
      native.write(numbers, 0, numbers.length, a);
      js.write(numbers, 0, numbers.length, b);
      expect(a.equals(b)).toBe(true);
      numbers.forEach((n, i) => {
        const want = createHmac('sha256', key).update(`msisdn\0+${n}`).digest('hex');
        expect(a.toString('latin1', i * 64, (i + 1) * 64)).toBe(want);
        expect(p.pseudonym(`+${n}`)).toBe(want);
      });
      // a range: written from the start of out
      const c = Buffer.alloc(3 * 64);
      native.write(numbers, 5, 8, c);
      expect(c.equals(a.subarray(5 * 64, 8 * 64))).toBe(true);
      js.write(numbers, 5, 8, c.fill(0));
      expect(c.equals(a.subarray(5 * 64, 8 * 64))).toBe(true);
    }
  });

  it('refuses what is not a number key, or a range out of bounds, on either path', () => {
    const p = new Pseudonymiser('k'.repeat(16));
    for (const n of [new NumberPseudonyms(p, true), new NumberPseudonyms(p, false)]) {
      const out = Buffer.alloc(64 * 4);
      for (const bad of [0, -447700900123, 4477009001.5, NaN, Infinity, 2 ** 53])
        expect(() => n.write(Float64Array.from([447700900123, bad]), 0, 2, out)).toThrow(rangeError);
      const ok = Float64Array.from([447700900123, 447700900124]);
      expect(() => n.write(ok, 0, 3, out)).toThrow(rangeError);
      expect(() => n.write(ok, 1, 0, out)).toThrow(rangeError);
      expect(() => n.write(ok, 0, 2, Buffer.alloc(127))).toThrow(rangeError);
    }
  });

  it('refuses pads that are not one block (native)', () => {
    const p = new Pseudonymiser('k'.repeat(16));
    const n = new NumberPseudonyms(p, true);
    Object.assign(n, { inner: Buffer.alloc(63) });
    expect(() => n.write(Float64Array.from([447700900123]), 0, 1, Buffer.alloc(64))).toThrow(rangeError);
  });
});
