import { malformedBody } from './edge';

describe('malformedBody: bodies refused before validation', () => {
  const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

  it('passes ordinary bodies, paired surrogates (emoji) and Welsh text', () => {
    expect(malformedBody({ email: 'a@b.c', tags: ['x', { y: [1, 2] }] })).toBeNull();
    expect(malformedBody({ note: 'Diolch 👍 ŵŷ' })).toBeNull();
    expect(malformedBody(nested(32))).toBeNull();
    expect(malformedBody(undefined)).toBeNull();
  });

  it('refuses nesting deeper than 32 levels without recursing (50,000 levels)', () => {
    expect(malformedBody(nested(33))).toMatch(/nested more than 32/);
    expect(malformedBody(nested(50_000))).toMatch(/nested more than 32/);
  });

  it('refuses unpaired surrogates in values and keys', () => {
    expect(malformedBody(JSON.parse('{"email":"\\ud800"}'))).toMatch(/not valid Unicode/);
    expect(malformedBody(JSON.parse('{"a":["ok","x\\udc00"]}'))).toMatch(/not valid Unicode/);
    expect(malformedBody(JSON.parse('{"\\udbff":1}'))).toMatch(/not valid Unicode/);
  });
});
