import { csrfRefusal, csrfTokenFor, sessionCookieOptions } from './session-cookie';

describe('session cookie and CSRF token', () => {
  const token = 'cnd_s_example-session-token';

  it('derives a stable CSRF token per session, different for another session', () => {
    expect(csrfTokenFor(token)).toBe(csrfTokenFor(token));
    expect(csrfTokenFor(token)).not.toBe(csrfTokenFor(token + 'x'));
    expect(csrfTokenFor(token)).not.toContain(token);
  });

  it('lets reads through without a header', () => {
    expect(csrfRefusal('GET', token, undefined)).toBeNull();
    expect(csrfRefusal('head', token, undefined)).toBeNull();
  });

  it('refuses writes without the header or with another session token, in words', () => {
    expect(csrfRefusal('POST', token, undefined)).toMatch(/missing security token/);
    expect(csrfRefusal('PATCH', token, csrfTokenFor('cnd_s_other'))).toMatch(/wrong security token/);
    expect(csrfRefusal('DELETE', token, 'short')).toMatch(/wrong security token/);
    expect(csrfRefusal('POST', token, csrfTokenFor(token))).toBeNull();
  });

  it('marks the session cookie HttpOnly and both SameSite=Strict, Secure only when asked', () => {
    const at = new Date('2026-12-03T12:00:00Z');
    const o = sessionCookieOptions(true, at);
    expect(o.session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'strict', expires: at });
    expect(o.csrf).toMatchObject({ httpOnly: false, secure: true, sameSite: 'strict' });
    expect(sessionCookieOptions(false, null).session.secure).toBe(false);
  });
});
