import { isDatabaseUnavailable } from './unavailable';

describe('isDatabaseUnavailable', () => {
  it('recognises timeouts, cut connections and a server going away, also wrapped by TypeORM', () => {
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable({ message: 'query failed', driverError: { code: '57P01' } })).toBe(true);
    expect(isDatabaseUnavailable({ message: 'canceling statement', driverError: { code: '57014' } })).toBe(
      true,
    );
  });

  it('leaves real errors alone', () => {
    expect(isDatabaseUnavailable(new Error('duplicate key value'))).toBe(false);
    expect(isDatabaseUnavailable({ message: 'x', driverError: { code: '23505' } })).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
