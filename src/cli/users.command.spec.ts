import { parseRole } from './users.command';

describe('users create --role', () => {
  it('accepts the staff roles, in any case', () => {
    expect(parseRole('comms')).toBe('comms');
    expect(parseRole(' Supervisor ')).toBe('supervisor');
  });
  it('refuses anything else with a clear message naming the roles', () => {
    expect(() => parseRole('agent')).toThrow(
      '"agent" is not a staff role; use one of: comms, support, supervisor, admin',
    );
  });
});
