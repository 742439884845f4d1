import { sniffFormat } from '.';

describe('sniffFormat', () => {
  it.each([
    [
      '1764000000.123    125 10.0.0.1 TCP_MISS/200 1 GET http://a/ - HIER_DIRECT/1.2.3.4 - "-" "-"\n',
      'squid',
    ],
    ['#Software: SGOS\n#Fields: date time\n', 'elff'],
    ['\n\n{"time":1}\n', 'jsonl'],
    ['', 'empty'],
    ['\n  \n', 'empty'],
    ['%PDF-1.7\n%âãÏÓ\n', null],
    ['name,msisdn\nalice,07911123456\n', null],
    ['{\n  "name": "candor"\n}\n', null],
  ])('%j → %s', (head, expected) => expect(sniffFormat(head)).toBe(expected));
});
