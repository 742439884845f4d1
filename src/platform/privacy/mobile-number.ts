import { Metadata } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.max.json';

/** Returns the E.164 form of a header value when it is a valid mobile number of the country, else null. */
export type MobileMatcher = (raw: string) => string | null;

const SEPARATORS = /[\s().-]/g;

/**
 * Compiles the MOBILE patterns of libphonenumber-js's `max` metadata for a country (and the regions that
 * share its calling code, as libphonenumber's own validation does: +44 7781 is a valid Guernsey mobile)
 * into one anchored regular expression. A regex test costs ~0.2 µs where parsePhoneNumber costs ~20 µs,
 * which is the difference between 1M lines/s and 50k lines/s when every line carries a number.
 *
 * Normalisation (the README's detection rule): strip `tel:`, spaces and separators, a leading `+` or
 * `00`; a national `0` becomes the calling code. What remains must be the calling code followed by a
 * national number that one of the MOBILE patterns matches in full.
 */
export function compileMobileMatcher(country = 'GB'): MobileMatcher {
  // the typings omit the numbering-plan accessors that libphonenumber-js's own code uses
  const m: any = new Metadata(metadata as any);
  if (!m.hasCountry(country)) throw new Error(`unknown country ${country}`);
  m.selectNumberingPlan(country);
  const callingCode: string = m.numberingPlan.callingCode();
  const nationalPrefix: string = m.numberingPlan.nationalPrefix() ?? '';
  const regions: string[] = (metadata as any).country_calling_codes[callingCode];
  const patterns = regions
    .map((r) => {
      m.selectNumberingPlan(r);
      return m.numberingPlan.type('MOBILE')?.pattern() as string | undefined;
    })
    .filter((p): p is string => !!p);
  const mobile = new RegExp(`^${callingCode}(?:${patterns.map((p) => `(?:${p})`).join('|')})$`);

  return (raw: string): string | null => {
    let s = raw;
    // most values are `+?digits` already (the log scan calls this on every header value): nothing to strip
    if (!plainDigits(s)) {
      s = s.trim();
      if (s.length > 4 && (s.charCodeAt(0) | 32) === 116 /* t */ && s.slice(0, 4).toLowerCase() === 'tel:')
        s = s.slice(4);
      s = s.replace(SEPARATORS, '');
    }
    if (s.length < 6 || s.length > 20) return null;
    if (s.charCodeAt(0) === 43 /* + */) s = s.slice(1);
    else if (s.startsWith('00')) s = s.slice(2);
    else if (nationalPrefix && s.startsWith(nationalPrefix)) s = callingCode + s.slice(nationalPrefix.length);
    return mobile.test(s) ? '+' + s : null;
  };
}

/** True for `digits` or `+digits`: a value trimming and separator stripping leave as it is. */
function plainDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = s.charCodeAt(0) === 43 /* + */ ? 1 : 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
