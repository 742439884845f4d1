import { createHmac, randomBytes } from 'node:crypto';
import { MAX_SHORT_MESSAGE, ShortHmacSha256 } from './hmac-sha256';
import { Pseudonymiser } from './pseudonymiser';

const ascii = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(b & 0x7f)).join('');

describe('ShortHmacSha256', () => {
  it('equals HMAC-SHA256 for keys short and long (hashed past 64 bytes) and every message length up to one block', () => {
    for (const keyLength of [1, 16, 30, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const h = new ShortHmacSha256(key);
      const out = Buffer.alloc(70);
      for (let n = 0; n <= MAX_SHORT_MESSAGE; n++) {
        const prefix = ascii(n % 9);
        const message = ascii(n - prefix.length < 0 ? 0 : n - prefix.length);
        expect(h.hexInto(prefix, message, out, 3)).toBe(true);
        expect(out.toString('latin1', 3, 67)).toBe(
          createHmac('sha256', key)
            .update(prefix + message)
            .digest('hex'),
        );
      }
    }
  });

  it('declines what does not fit one block or is not ASCII, writing nothing', () => {
    const h = new ShortHmacSha256(Buffer.from('k'.repeat(20)));
    const out = Buffer.alloc(64);
    expect(h.hexInto('msisdn\0', 'x'.repeat(MAX_SHORT_MESSAGE - 6), out, 0)).toBe(false);
    expect(h.hexInto('msisdn\0', 'é', out, 0)).toBe(false);
    expect(out.equals(Buffer.alloc(64))).toBe(true);
  });
});

describe('Pseudonymiser', () => {
  it('gives the HMAC of purpose, NUL and value on either path, as a string or written in place', () => {
    const key = 'a pseudonym key of some length';
    const p = new Pseudonymiser(key);
    const out = Buffer.alloc(64);
    for (const value of ['+447700900123', '', 'é+44', 'x'.repeat(300), `+44${'7'.repeat(45)}`]) {
      const want = createHmac('sha256', key).update('msisdn').update('\0').update(value).digest('hex');
      expect(p.pseudonym(value)).toBe(want);
      expect(p.pseudonymInto(value, out, 0).toString('latin1')).toBe(want);
      expect(p.pseudonym(value, 'rate')).toBe(
        createHmac('sha256', key).update(`rate\0${value}`).digest('hex'),
      );
    }
  });
});
