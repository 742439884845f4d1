import { Readable } from 'node:stream';
import { CsvRecordTransform, csvCell, inertCell } from './csv-records';

async function run(
  chunks: string[],
  map = (r: string[]) => r,
): Promise<{ out: string; records: string[][] }> {
  const records: string[][] = [];
  const t = new CsvRecordTransform((r, i) => {
    records[i] = [...r];
    return map(r);
  });
  let out = '';
  for await (const c of Readable.from(chunks.map((s) => Buffer.from(s))).pipe(t)) out += c;
  return { out, records };
}

describe('inertCell', () => {
  it('escapes what a spreadsheet would run as a formula', () => {
    for (const v of ['=1+1', '+44 7*** ***123', '-cmd', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x")'])
      expect(inertCell(v)).toBe(`'${v}`);
  });
  it('keeps numbers and ordinary text as they are', () => {
    for (const v of ['', '-5', '+1.5', '-0.25e3', '42', 'ACC-1', 'a=b', 'x@y.z', "'quoted"])
      expect(inertCell(v)).toBe(v);
  });
});

describe('csvCell', () => {
  it('quotes cells with commas, quotes or line breaks only', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
  });
});

describe('CsvRecordTransform', () => {
  it('reads quoted commas, doubled quotes and quoted line breaks, whatever the chunking', async () => {
    const text = 'id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,\n';
    const expected = [
      ['id', 'note'],
      ['1', 'a, b'],
      ['2', 'say "hi"'],
      ['3', 'two\nlines'],
      ['4', ''],
    ];
    for (const size of [1, 2, 3, 5, 7, text.length]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      const { out, records } = await run(chunks);
      expect(records).toEqual(expected);
      expect(out).toBe(text);
    }
  });

  it('writes what the map returns, and a last record without a newline', async () => {
    const { out } = await run(['h\n=1+1\n-5'], (r) => r.map(inertCell));
    expect(out).toBe("h\n'=1+1\n-5\n");
  });

  it('refuses input that ends inside a quoted cell', async () => {
    await expect(run(['a\n"open'])).rejects.toThrow(/inside a quoted cell/);
  });

  it('splits a multi-byte character across chunks correctly', async () => {
    const bytes = Buffer.from('n\nSiôn\n');
    const t = new CsvRecordTransform((r) => r);
    let out = '';
    for await (const c of Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]).pipe(t)) out += c;
    expect(out).toBe('n\nSiôn\n');
  });
});
