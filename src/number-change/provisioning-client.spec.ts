import { provisioningOutcome } from './provisioning-client';

describe('provisioningOutcome', () => {
  it.each([
    [200, 'ok'],
    [201, 'ok'],
    [409, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'rejected'],
    [404, 'rejected'],
    [422, 'rejected'],
  ])('%i → %s', (status, outcome) => expect(provisioningOutcome(status)).toBe(outcome));
});
