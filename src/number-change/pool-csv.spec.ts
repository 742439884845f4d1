import { Readable } from 'node:stream';
import { parseCsvLine } from '../platform/streams/csv-line';
import { headerColumns, parsePoolRow, readPoolCsv, sharedSuffixLength } from './pool-csv';

const collect = async (text: string) => {
  const out = [];
  for await (const r of readPoolCsv(Readable.from([Buffer.from(text)]), 'GB')) out.push(r);
  return out;
};

describe('pool CSV', () => {
  it('splits quoted and plain fields', () => {
    expect(parseCsvLine('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
    expect(parseCsvLine('"open')).toBeNull();
    expect(parseCsvLine('"a"b')).toBeNull();
  });

  it('finds the msisdn column in the header, or refuses the file', () => {
    expect(headerColumns('\uFEFFnote,MSISDN')).toEqual({ index: 1, width: 2 });
    expect(headerColumns('number,note')).toEqual({ error: expect.stringContaining('msisdn') });
  });

  it('normalises good numbers and gives a reason for each bad row', () => {
    const cols = { index: 0, width: 2 };
    expect(parsePoolRow('07911 123456,spare', 2, cols, 'GB')).toEqual({ line: 2, e164: '+447911123456' });
    expect(parsePoolRow('07911123456', 3, cols, 'GB')).toEqual({
      line: 3,
      error: 'expected 2 field(s), found 1',
    });
    expect(parsePoolRow('12345,x', 4, cols, 'GB')).toEqual({ line: 4, error: 'not a valid phone number' });
    expect(parsePoolRow('020 7946 0018,x', 5, cols, 'GB')).toEqual({ line: 5, error: 'not a mobile number' });
    expect(parsePoolRow(' ,x', 6, cols, 'GB')).toEqual({ line: 6, error: 'empty msisdn' });
    expect(parsePoolRow('"07911,x', 7, cols, 'GB')).toEqual({
      line: 7,
      error: 'malformed row (unbalanced quotes)',
    });
    expect(parsePoolRow('x'.repeat(1001) + ',x', 8, cols, 'GB')).toMatchObject({
      error: expect.stringMatching(/longer/),
    });
  });

  it('streams a file: header, blank lines skipped, CRLF, line numbers kept', async () => {
    const rows = await collect('msisdn\r\n07911123456\r\n\r\nnope\r\n+447911123457\r\n');
    expect(rows).toEqual([
      { line: 2, e164: '+447911123456' },
      { line: 4, error: 'not a valid phone number' },
      { line: 5, e164: '+447911123457' },
    ]);
  });

  it('stops at a file without a usable header', async () => {
    expect(await collect('phone\n07911123456\n')).toEqual([
      { line: 1, error: expect.stringContaining('header') },
    ]);
  });

  it('measures shared trailing digits', () => {
    expect(sharedSuffixLength('+447911123456', '+447922993456')).toBe(4);
    expect(sharedSuffixLength('+447911123456', '+447911123450')).toBe(0);
  });
});
