import { createHmac } from 'node:crypto';

/**
 * Keyed HMAC-SHA256 pseudonyms for derived data (analysis results, rate-limit keys). Without the key a
 * pseudonym cannot be reversed by enumerating the (small) space of UK mobile numbers, unlike a plain hash.
 */
export class Pseudonymiser {
  constructor(private readonly key: string) {
    if (!key || key.length < 16) throw new Error('pseudonym key must be at least 16 characters');
  }

  /** Hex digest, 64 chars; stable for a key and input. */
  pseudonym(value: string, purpose = 'msisdn'): string {
    return createHmac('sha256', this.key).update(purpose).update('\0').update(value).digest('hex');
  }
}
