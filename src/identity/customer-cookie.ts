import { parse, serialize } from 'cookie';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The customer's web session (My account): the customer token in an HttpOnly, SameSite=Lax cookie, kept
 * apart from any staff cookie (another name, only ever accepted for customer routes), and the form tokens
 * that protect every form against cross-site request forgery. Pure: no Nest, no database.
 */
export const CUSTOMER_COOKIE = 'candor_customer';
/** Before sign-in: a random value the sign-in and "Not you?" forms' tokens are bound to (double submit). */
export const FORM_COOKIE = 'candor_form';
/** The hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';

interface CookieRequest {
  headers: { cookie?: string };
}

export function readCookie(req: CookieRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parse(header)[name] || undefined;
}

/** Set-Cookie for a cookie only this site's pages send back (HttpOnly, SameSite=Lax; Secure on https). */
export function cookieHeader(name: string, value: string, secure: boolean, maxAgeSeconds?: number): string {
  return serialize(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
}

/** Set-Cookie that removes the cookie. */
export function clearCookieHeader(name: string, secure: boolean): string {
  return serialize(name, '', { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 });
}

export function newFormCookieValue(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * The token a form carries: a keyed MAC of what it is bound to (the session id once signed in, the form
 * cookie before). A page on another site can neither read the cookie nor compute the MAC, so it cannot
 * build a form this site accepts.
 */
export function formToken(key: string, binding: string): string {
  return createHmac('sha256', key).update('csrf\0').update(binding).digest('base64url').slice(0, 32);
}

export function validFormToken(key: string, binding: string | undefined, given: unknown): boolean {
  if (!binding || typeof given !== 'string') return false;
  const expected = Buffer.from(formToken(key, binding));
  const got = Buffer.from(given);
  return expected.length === got.length && timingSafeEqual(expected, got);
}
