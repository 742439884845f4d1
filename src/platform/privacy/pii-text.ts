/** `+447700900123` → `+44 7*** ***123`: enough for a person to recognise their own number, no more. */
export function mask(msisdn: string | null | undefined): string {
  if (!msisdn) return '';
  let digits = msisdn.replace(/\D/g, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  else if (digits.startsWith('0'))
    digits = '44' + digits.slice(1); // national UK form
  else if (/^7\d{9}$/.test(digits)) digits = '44' + digits; // national form without its 0
  if (digits.length < 7) return '***';
  if (digits.startsWith('44')) return `+44 ${digits[2]}*** ***${digits.slice(-3)}`;
  return `+${digits.slice(0, 2)} ${digits[2]}*** ***${digits.slice(-3)}`;
}

/** `alice@example.com` → `a***@e***.com`. */
export function maskEmail(email: string | null | undefined): string {
  if (!email) return '';
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${email[0]}***@${domain[0] ?? ''}***${tld}`;
}

// A UK-style mobile in any of its written forms, or any + followed by 10-15 digits. Word-boundary guards
// keep hex digests and ids (which contain "00" and long digit runs) untouched. Issue 18 (F16) added: a
// mobile without its leading 0 (`7911123456`), digits spaced one by one (`0 7 9 1 1 …`), and full-width
// digits (folded to ASCII first).
const PHONE_LIKE =
  /(?:(?<!\w)(?:\+|00)|%2[Bb])\d[\d\s-]{8,16}\d(?!\w)|\b(?:44|0)?7\d{3}[\s-]?\d{3}[\s-]?\d{3}\b|\b(?:(?:4[\s-]?4|0)[\s-]?)?7(?:[\s-]\d){9}\b/g;
// `@` may arrive URL-encoded (`alice%40example.com` in a query string).
const EMAIL_LIKE =
  /[A-Za-z0-9._+-]+(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._+-]*)*(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;

/** Replaces anything that looks like a phone number or an email in free text by its masked form. */
export function scrubPii(text: string): string {
  if (!text) return text;
  return text
    .replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48))
    .replace(PHONE_LIKE, (m) => mask(m))
    .replace(EMAIL_LIKE, (m) => maskEmail(m.replace(/%40/g, '@')));
}

/** True when the text contains something that looks like an unmasked phone number (used by the log guard). */
export function containsPhoneNumber(text: string): boolean {
  text = text.replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48));
  PHONE_LIKE.lastIndex = 0;
  const found = PHONE_LIKE.test(text);
  PHONE_LIKE.lastIndex = 0;
  return found;
}
