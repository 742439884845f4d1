import { humanise, toApiError } from './errors';

describe('errors in plain words', () => {
  it('never shows a state name', () => {
    expect(humanise('This credit is already pending_approval')).toBe(
      'This credit is already pending approval',
    );
    expect(
      toApiError(409, { message: 'cannot approve an update that is number_reserved' }).message,
    ).not.toMatch(/_/);
  });

  it('names the fields of a validation error', () => {
    const e = toApiError(400, {
      message: 'Validation failed',
      details: [{ field: 'title', messages: ['title must be shorter than or equal to 200 characters'] }],
    });
    expect(e.message).toMatch(/^Please check: title/);
    expect(e.fields.title).toMatch(/200 characters/);
  });

  it('says what a session end, a missing permission and a server fault mean', () => {
    expect(toApiError(401, { message: 'Missing bearer token' }).message).toMatch(/sign in again/);
    expect(toApiError(403, { message: 'Requires role: supervisor or admin' }).message).toMatch(/role/);
    expect(toApiError(500, { message: 'relation "x" does not exist' }).message).not.toMatch(/relation/);
  });

  it('asks for the authenticator code in words, and keeps the refusal code for the page to act on', () => {
    const e = toApiError(401, {
      message: 'This account needs a code from its authenticator app',
      code: 'totp_required',
    });
    expect(e.message).toBe('Enter the 6-digit code from your authenticator app.');
    expect(e.code).toBe('totp_required');
    expect(toApiError(401, { message: 'Invalid authenticator code', code: 'totp_invalid' }).message).toMatch(
      /did not match/,
    );
    // a code the console has no words for falls back to the status's rule
    expect(toApiError(401, { message: 'Missing bearer token', code: 'unauthenticated' }).message).toMatch(
      /sign in again/,
    );
  });
});
