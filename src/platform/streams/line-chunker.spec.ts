import { LineChunker } from './line-chunker';
import { LineSplitter } from './line-splitter';

/** Chunks the input (pushed in pieces of `piece` bytes), then splits each chunk on its own. */
function run(text: string, size: number, piece: number, maxLineBytes = size - 1) {
  const chunks: string[] = [];
  let overlong = 0;
  const c = new LineChunker(
    size,
    (buf, length) => {
      chunks.push(Buffer.from(buf, 0, length).toString('latin1'));
      c.recycle(buf);
    },
    () => overlong++,
  );
  const bytes = Buffer.from(text, 'latin1');
  for (let i = 0; i < bytes.length; i += piece) c.push(bytes.subarray(i, i + piece));
  c.end();
  const lines: string[] = [];
  for (const chunk of chunks) {
    const s = new LineSplitter((l) => lines.push(l), { maxLineBytes, onOverlong: () => overlong++ });
    s.push(Buffer.from(chunk, 'latin1'));
    s.end();
  }
  return { chunks, lines, overlong };
}

/** What one splitter makes of the whole input. */
function whole(text: string, maxLineBytes: number) {
  const lines: string[] = [];
  let overlong = 0;
  const s = new LineSplitter((l) => lines.push(l), { maxLineBytes, onOverlong: () => overlong++ });
  s.push(Buffer.from(text, 'latin1'));
  s.end();
  return { lines, overlong };
}

describe('LineChunker', () => {
  it('cuts on line ends only, every chunk within the size and ending with a newline', () => {
    const text = 'alpha\nbravo\r\ncharlie\n\ndelta\necho';
    for (let piece = 1; piece <= 9; piece++) {
      const { chunks, lines, overlong } = run(text, 10, piece);
      expect(chunks.every((c) => c.length <= 10 && c.endsWith('\n'))).toBe(true);
      expect(chunks.join('')).toBe(text + '\n');
      expect({ lines, overlong }).toEqual(whole(text, 9));
      // lines that fit a chunk but exceed the parsers' maximum: the splitter drops them, as on the whole
      const short = run(text, 10, piece, 5);
      expect({ lines: short.lines, overlong: short.overlong }).toEqual(whole(text, 5));
      expect(short.overlong).toBe(2);
    }
  });

  it('drops a line longer than a chunk, reports it once, and carries on', () => {
    const text = 'ok\n' + 'x'.repeat(25) + '\nyes\n' + 'y'.repeat(12) + '\nz\n' + 'w'.repeat(30);
    for (let piece = 1; piece <= 13; piece += 4) {
      const r = run(text, 10, piece, 9);
      expect(r.lines).toEqual(['ok', 'yes', 'z']);
      expect(r.overlong).toBe(3);
      expect({ lines: r.lines, overlong: r.overlong }).toEqual(whole(text, 9));
    }
  });

  it('hands out nothing for empty input', () => {
    expect(run('', 10, 3).chunks).toEqual([]);
  });
});
