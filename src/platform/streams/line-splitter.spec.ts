import { LineSplitter } from './line-splitter';

function split(chunks: (string | Buffer)[], opts: ConstructorParameters<typeof LineSplitter>[1] = {}) {
  const lines: string[] = [];
  let overlong = 0;
  const s = new LineSplitter((l) => lines.push(l), { ...opts, onOverlong: () => overlong++ });
  for (const c of chunks) {
    s.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
    if (s.done) break;
  }
  s.end();
  return { lines, overlong, done: s.done };
}

describe('LineSplitter', () => {
  it('splits on LF and CRLF, across chunk boundaries, and keeps a last line without newline', () => {
    expect(split(['a\r\nb', 'b\nc', 'c\r', '\nd']).lines).toEqual(['a', 'bb', 'cc', 'd']);
  });

  it('keeps empty lines (parsers skip them) and emits nothing for empty input', () => {
    expect(split(['a\n\nb\n']).lines).toEqual(['a', '', 'b']);
    expect(split([]).lines).toEqual([]);
    expect(split(['']).lines).toEqual([]);
  });

  it('decodes bytes one to one (binary garbage cannot break it)', () => {
    const { lines } = split([Buffer.from([0xff, 0x00, 0xfe, 10, 0x41])]);
    expect(lines).toEqual(['\u00ff\u0000\u00fe', 'A']);
  });

  it('skips an over-long line and reports it, then carries on', () => {
    const { lines, overlong } = split(['x'.repeat(10), 'y'.repeat(10), '\nok\n', 'z'.repeat(30)], {
      maxLineBytes: 15,
    });
    expect(lines).toEqual(['ok']);
    expect(overlong).toBe(2);
  });

  it('calls a line too long by its length, not by where the chunks were cut', () => {
    const text = 'a'.repeat(16) + '\n' + 'b'.repeat(15) + '\nok\n';
    for (let size = 1; size <= text.length; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect([size, split(chunks, { maxLineBytes: 15 })]).toEqual([
        size,
        { lines: ['b'.repeat(15), 'ok'], overlong: 1, done: false },
      ]);
    }
  });

  it('gives each line to exactly one byte range whatever the cut points', () => {
    const text = 'alpha\nbravo\r\ncharlie\n\ndelta\necho';
    const bytes = Buffer.from(text, 'latin1');
    for (let cut = 1; cut < bytes.length; cut++) {
      for (let chunkSize = 1; chunkSize <= 7; chunkSize += 3) {
        const got: string[] = [];
        for (const [start, end] of [
          [0, cut],
          [cut, bytes.length],
        ]) {
          // A range reader starts one byte early (unless at 0) and skips to the first newline.
          const from = start === 0 ? 0 : start - 1;
          const chunks: Buffer[] = [];
          for (let i = from; i < bytes.length; i += chunkSize)
            chunks.push(bytes.subarray(i, Math.min(i + chunkSize, bytes.length)));
          got.push(...split(chunks, { startOffset: from, stopAt: end, skipFirstLine: start > 0 }).lines);
        }
        expect([cut, chunkSize, got]).toEqual([
          cut,
          chunkSize,
          ['alpha', 'bravo', 'charlie', '', 'delta', 'echo'],
        ]);
      }
    }
  });
});
