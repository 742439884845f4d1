import { redactQuery, redactUrl } from './redact-url';

describe('redactUrl (issue 18, F16)', () => {
  it('keeps the path and the names, never the values', () => {
    expect(redactUrl('/status/subscriptions/1/unsubscribe?token=0123456789abcdef&lang=cy')).toBe(
      '/status/subscriptions/1/unsubscribe?token=[redacted]&lang=[redacted]',
    );
    expect(redactUrl('/audit?actorId=alice%40example.com')).toBe('/audit?actorId=[redacted]');
    expect(redactUrl('/status')).toBe('/status');
    expect(redactUrl(undefined)).toBeUndefined();
  });
  it('redacts parsed query values', () => {
    expect(redactQuery({ token: 'abc', msisdn: '07911123456' })).toEqual({
      token: '[redacted]',
      msisdn: '[redacted]',
    });
  });
});
