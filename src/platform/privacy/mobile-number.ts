import { Metadata } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.max.json';
import { MobileMatcher, mobileMatcher, MobilePlan } from './mobile-matcher';

export type { MobileMatcher, MobilePlan } from './mobile-matcher';

/**
 * Compiles the MOBILE patterns of libphonenumber-js's `max` metadata for a country (and the regions that
 * share its calling code, as libphonenumber's own validation does: +44 7781 is a valid Guernsey mobile)
 * into one anchored regular expression. A regex test costs ~0.2 µs where parsePhoneNumber costs ~20 µs,
 * which is the difference between 1M lines/s and 50k lines/s when every line carries a number.
 */
export function mobilePlan(country = 'GB'): MobilePlan {
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
  return {
    callingCode,
    nationalPrefix,
    pattern: `^${callingCode}(?:${patterns.map((p) => `(?:${p})`).join('|')})$`,
  };
}

/** The matcher for a country: `mobileMatcher(mobilePlan(country))`. */
export function compileMobileMatcher(country = 'GB'): MobileMatcher {
  return mobileMatcher(mobilePlan(country));
}
