import { createHmac, timingSafeEqual } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U
const MAC_CHARS = 6; // 30 bits: a guessed code is genuine about once in a billion tries

function base32(n: bigint, minLength: number): string {
  let out = '';
  do {
    out = ALPHABET[Number(n % 32n)] + out;
    n /= 32n;
  } while (n > 0n);
  return out.padStart(minLength, '0');
}

function mac(key: string, id: string): string {
  const digest = createHmac('sha256', key).update('ref\0').update(id).digest();
  return base32(BigInt('0x' + digest.subarray(0, 4).toString('hex')) >> 2n, MAC_CHARS).slice(-MAC_CHARS);
}

/**
 * The code printed in every message: the message's id and a keyed MAC of it. Unique by construction
 * (no collisions to retry), checkable without a lookup table, and unforgeable without the key: a phisher
 * can copy our wording but not a code the verify page accepts.
 */
export function referenceCode(key: string, messageId: string): string {
  return `${base32(BigInt(messageId), 4)}-${mac(key, messageId)}`;
}

/** The message id a code stands for, or null when the code is malformed or its MAC is wrong. */
export function parseReferenceCode(key: string, code: string): string | null {
  const clean = code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{10,20}$/.test(clean)) return null;
  let id = 0n;
  for (const ch of clean.slice(0, -MAC_CHARS)) id = id * 32n + BigInt(ALPHABET.indexOf(ch));
  const expected = Buffer.from(mac(key, id.toString()));
  const given = Buffer.from(clean.slice(-MAC_CHARS));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id.toString() : null;
}
