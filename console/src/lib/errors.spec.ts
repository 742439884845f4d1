import { fieldWords, humanise, toApiError } from './errors';

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

  it("names a refused field by the form's label, in plain words, never the request's field name", () => {
    const e = toApiError(
      400,
      {
        message: 'Validation failed',
        details: [{ field: 'note', messages: ['note must be longer than or equal to 3 characters'] }],
      },
      { note: 'Reason' },
    );
    expect(e.message).toBe('Please check: Reason needs at least 3 characters');
    expect(e.message).not.toMatch(/note/);
  });

  it('says a field the form should never have sent is the console’s fault, labelled or not', () => {
    const body = {
      message: 'Validation failed',
      details: [{ field: 'commsLeadId', messages: ['property commsLeadId should not exist'] }],
    };
    const labelled = toApiError(400, body, { commsLeadId: 'Comms lead' }).message;
    expect(labelled).toMatch(
      /^Please check: Comms lead: the console sent something .* tell the Candor team$/,
    );
    expect(labelled).not.toMatch(/commsLeadId|property/);
    // a page without the label still says whose fault it is, and keeps the name for the bug report
    expect(toApiError(400, body).message).toMatch(/does not accept \(commsLeadId\); tell the Candor team/);
  });

  it('keeps the detail of a field the page does not label', () => {
    const e = toApiError(
      400,
      {
        details: [
          { field: 'note', messages: ['note must be longer than or equal to 3 characters'] },
          { field: 'subscriberId', messages: ['subscriberId must be a subscriber id (UUID)'] },
        ],
      },
      { note: 'Reason' },
    );
    expect(e.message).toBe(
      'Please check: Reason needs at least 3 characters; subscriberId — subscriberId must be a subscriber id (UUID)',
    );
  });

  it('puts labels for the camelCase names inside any refusal, e.g. the paragraphs still to write', () => {
    const e = toApiError(
      422,
      { message: 'Write every paragraph before approval: whatHappened, dataConcerned' },
      { whatHappened: 'What happened', dataConcerned: 'What data is concerned' },
    );
    expect(e.message).toBe('Write every paragraph before approval: What happened, What data is concerned');
    // an "each value in" array message and a too-long one
    expect(fieldWords('partners', ['each value in partners must be a host suffix'], 'Trusted partners')).toBe(
      'Trusted partners must be a host suffix',
    );
    expect(fieldWords('title', ['title must be shorter than or equal to 200 characters'], 'Title')).toBe(
      'Title must be at most 200 characters',
    );
    // a message that does not start with the field name is prefixed with the label
    expect(fieldWords('vars', ['missing: incidentTitle'], 'The message text')).toBe(
      'The message text: missing: incidentTitle',
    );
  });
});
