import {
  clearCookieHeader,
  cookieHeader,
  CUSTOMER_COOKIE,
  formToken,
  readCookie,
  validFormToken,
} from './customer-cookie';

describe('customer cookie and form tokens', () => {
  it('sets an HttpOnly SameSite=Lax cookie, Secure only on https, and clears it', () => {
    const h = cookieHeader(CUSTOMER_COOKIE, 'cnd_c_abc', false);
    expect(h).toBe('candor_customer=cnd_c_abc; Path=/; HttpOnly; SameSite=Lax');
    expect(cookieHeader(CUSTOMER_COOKIE, 'x', true, 60)).toBe(
      'candor_customer=x; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax',
    );
    expect(clearCookieHeader(CUSTOMER_COOKIE, false)).toContain('Max-Age=0');
  });

  it('reads one cookie among several, and nothing from an absent header', () => {
    expect(readCookie({ headers: { cookie: 'a=1; candor_customer=tok; b=2' } }, CUSTOMER_COOKIE)).toBe('tok');
    expect(readCookie({ headers: {} }, CUSTOMER_COOKIE)).toBeUndefined();
    expect(readCookie({ headers: { cookie: 'candor_customer=' } }, CUSTOMER_COOKIE)).toBeUndefined();
  });

  it('accepts a form token only for its own binding and key', () => {
    const t = formToken('key-1', 'session-a');
    expect(validFormToken('key-1', 'session-a', t)).toBe(true);
    expect(validFormToken('key-1', 'session-b', t)).toBe(false);
    expect(validFormToken('key-2', 'session-a', t)).toBe(false);
    expect(validFormToken('key-1', undefined, t)).toBe(false);
    expect(validFormToken('key-1', 'session-a', undefined)).toBe(false);
    expect(validFormToken('key-1', 'session-a', t.slice(1))).toBe(false);
  });
});
