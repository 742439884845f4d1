import { CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Normalises a phone number written in any common form ("07700 900123", "+44 7700 900123",
 * "0044...", "447700900123", "tel:+44...") to E.164, or returns null when it is not a valid number.
 * `mobileOnly` additionally requires libphonenumber's type to be MOBILE.
 */
export function toE164(input: string, country = 'GB', mobileOnly = false): string | null {
  if (typeof input !== 'string') return null;
  let s = input
    .trim()
    .replace(/^tel:/i, '')
    .replace(/[\s().-]/g, '');
  if (s.length < 6 || s.length > 20) return null;
  if (s.startsWith('00')) s = '+' + s.slice(2);
  else if (/^\d+$/.test(s) && !s.startsWith('0') && s.length > 10) s = '+' + s; // "447700900123"
  const parsed = parsePhoneNumberFromString(s, country as CountryCode);
  if (!parsed || !parsed.isValid()) return null;
  if (mobileOnly) {
    const type = parsed.getType();
    if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return null;
  }
  return parsed.number;
}

// masking and scrubbing need no phone metadata: they live apart so that scanner threads need not load it
export { mask, maskEmail, scrubPii, containsPhoneNumber } from './pii-text';
