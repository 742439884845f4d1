import { privacyProblems } from './privacy';

describe('privacy check while typing', () => {
  it('flags numbers, emails and account ids', () => {
    expect(privacyProblems('Call 07911 123456 now')).toEqual(['contains a phone number']);
    expect(privacyProblems('write to help@example.com')).toEqual(['contains an email address']);
    expect(privacyProblems('customer ACC-123456 was affected')).toEqual([
      'contains an account id or a long number',
    ]);
  });

  it('lets ordinary update text through', () => {
    expect(
      privacyProblems('We are investigating a problem affecting mobile web browsing since 08:30.'),
    ).toEqual([]);
  });
});
