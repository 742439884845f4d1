import { asksForSecrets, templateVariables } from './template-checks';

describe('template checks', () => {
  it('finds the variables a template uses, including block and helper arguments', () => {
    expect(
      [...templateVariables('{{a}} {{#if b}}{{c.d}}{{/if}} {{#each e}}{{this}}{{/each}}')].sort(),
    ).toEqual(['a', 'b', 'c', 'e']);
  });

  it('refuses requests for secrets but allows saying we never ask', () => {
    expect(asksForSecrets('Reply with your PIN to continue.')).toHaveLength(1);
    expect(asksForSecrets('We will never ask for your PIN or password.')).toEqual([]);
    expect(asksForSecrets('Anfonwch eich cyfrinair.')).toHaveLength(1);
  });
});
