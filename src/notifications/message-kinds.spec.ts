import { declareMessageKinds, MESSAGE_KINDS, quietKinds } from './message-kinds';

describe('declareMessageKinds', () => {
  it('adds a module’s kinds to the one table, quiet-hours kinds included', () => {
    const kinds = { 'test-declared': { vars: { x: '1' }, channels: ['sms' as const], quietHours: true } };
    declareMessageKinds(kinds);
    expect(MESSAGE_KINDS['test-declared']).toBe(kinds['test-declared']);
    expect(quietKinds()).toContain('test-declared');
    declareMessageKinds(kinds); // the same declaration again (a file loaded twice) changes nothing
    expect(MESSAGE_KINDS['test-declared']).toBe(kinds['test-declared']);
  });

  it('refuses a name declared twice with another definition', () => {
    expect(() => declareMessageKinds({ 'breach-notice': { vars: {}, channels: ['sms'] } })).toThrow(
      /"breach-notice" is declared twice/,
    );
    expect(MESSAGE_KINDS['breach-notice'].campaign).toBe(true);
  });
});
