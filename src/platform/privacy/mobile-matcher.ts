/** Returns the E.164 form of a header value when it is a valid mobile number of the country, else null. */
export type MobileMatcher = (raw: string) => string | null;

/**
 * What a matcher needs of a country's numbering plan: plain data, so that scanner threads get it from the
 * main thread instead of each loading libphonenumber's metadata (~9 MB of heap a thread).
 */
export interface MobilePlan {
  callingCode: string;
  nationalPrefix: string;
  /** Anchored: the calling code, then a national number one of the MOBILE patterns matches in full. */
  pattern: string;
}

const SEPARATORS = /[\s().-]/g;

/**
 * The matcher for a plan (mobile-number.ts makes plans). Normalisation (the README's detection rule): strip
 * `tel:`, spaces and separators, a leading `+` or `00`; a national `0` becomes the calling code.
 */
export function mobileMatcher(plan: MobilePlan): MobileMatcher {
  const { callingCode, nationalPrefix } = plan;
  const mobile = new RegExp(plan.pattern);

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
