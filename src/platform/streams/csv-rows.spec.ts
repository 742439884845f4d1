import { Readable } from 'node:stream';
import { csvRows, CsvRow } from './csv-rows';

async function rows(chunks: Array<string | Buffer>, opts = {}): Promise<CsvRow[]> {
  const out: CsvRow[] = [];
  for await (const r of csvRows(Readable.from(chunks), opts)) out.push(r);
  return out;
}

describe('csvRows', () => {
  it('yields parsed lines with their numbers, skipping (but counting) blank ones, whatever the chunking', async () => {
    const text = '\uFEFFmsisdn,note\r\n07911 123456,"a, b"\n\n  \nACC-1,Siôn\n"bad,x\n+447911123457';
    const expected = [
      { line: 1, raw: 'msisdn,note', cells: ['msisdn', 'note'] },
      { line: 2, raw: '07911 123456,"a, b"', cells: ['07911 123456', 'a, b'] },
      { line: 5, raw: 'ACC-1,Siôn', cells: ['ACC-1', 'Siôn'] },
      { line: 6, raw: '"bad,x', cells: null },
      { line: 7, raw: '+447911123457', cells: ['+447911123457'] },
    ];
    const bytes = Buffer.from(text);
    for (const size of [1, 3, 7, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(await rows(chunks)).toEqual(expected);
    }
  });

  it('reports an over-long line as malformed and carries on', async () => {
    expect(await rows(['a\n' + 'x'.repeat(50) + '\nb\n'], { maxLineBytes: 10 })).toEqual([
      { line: 1, raw: 'a', cells: ['a'] },
      { line: 2, raw: '', cells: null },
      { line: 3, raw: 'b', cells: ['b'] },
    ]);
  });
});
