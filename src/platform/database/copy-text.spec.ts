import { copyText } from './copy-text';

describe('copyText', () => {
  it('escapes what would break a COPY row and leaves the rest', () => {
    expect(copyText('a.com')).toBe('a.com');
    expect(copyText('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
  });
});
