import { hostOf, splitFields } from './log-record';

describe('hostOf', () => {
  it.each([
    ['http://User@Www.Example.com:8080/x?y', 'www.example.com'],
    ['https://a:b@host.example/p@q', 'host.example'],
    ['example.com:443', 'example.com'],
    ['http://example.com./', 'example.com'],
    ['http://[2001:DB8::1]:8080/x', '[2001:db8::1]'],
    ['http://[2001:db8::1/x', ''],
    ['/relative/path', ''],
    ['-', ''],
    ['', ''],
    ['http://host.example#frag', 'host.example'],
  ])('%s → %s', (input, host) => expect(hostOf(input)).toBe(host));
});

describe('splitFields', () => {
  it('keeps quoted values whole and unescapes them', () => {
    expect(splitFields('a  "b c" "d \\"e\\"" "f ""g"""', [])).toEqual(['a', 'b c', 'd "e"', 'f "g"']);
    expect(splitFields('a "open', [])).toBeNull();
  });

  it('counts unwanted fields without copying them', () => {
    expect(splitFields('a "b c" d e', [], [true, false, true])).toEqual(['a', '', 'd', '']);
    expect(splitFields('a "open', [], [true, false])).toBeNull();
  });
});
