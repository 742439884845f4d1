import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The console's session: the staff token lives in an HttpOnly cookie the page's script never sees, and every
 * cookie-authenticated write must carry the CSRF token in a header (double submit). The CSRF token is derived
 * from the session token (an HMAC), so nothing more is stored and a cookie planted by another site or a
 * sibling subdomain cannot be paired with a header the attacker can compute.
 */
export const SESSION_COOKIE = 'candor_session';
export const CSRF_COOKIE = 'candor_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('candor-csrf').digest('base64url');
}

/** Null when the request may proceed; otherwise the refusal, in words. */
export function csrfRefusal(method: string, sessionToken: string, header: string | undefined): string | null {
  if (SAFE_METHODS.has(method.toUpperCase())) return null;
  if (!header) return 'This change needs the page to be reloaded (missing security token)';
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(header);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'This change needs the page to be reloaded (wrong security token)';
  return null;
}

export interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'strict';
  path: string;
  expires?: Date;
}

/** The session cookie is HttpOnly; the CSRF cookie is readable by the console's script (that is its point). */
export function sessionCookieOptions(
  secure: boolean,
  expires: Date | null,
): { session: CookieOptions; csrf: CookieOptions } {
  const base = { secure, sameSite: 'strict' as const, path: '/', ...(expires ? { expires } : {}) };
  return { session: { ...base, httpOnly: true }, csrf: { ...base, httpOnly: false } };
}
