import { parseCsvLine } from './csv-line';

describe('parseCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['"Smith, Jo",07911123456', ['Smith, Jo', '07911123456']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['', ['']],
    ['"",""', ['', '']],
  ])('%j', (line, expected) => expect(parseCsvLine(line)).toEqual(expected));

  it.each(['"open', '"a"b,c', 'a,"b'])('refuses %j', (line) => expect(parseCsvLine(line)).toBeNull());
});
