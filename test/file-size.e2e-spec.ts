import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * No file under src/ over 400 lines (issue 14): one capability a file, readable in one sitting. A file that
 * grows past it is cut along its seams, not added to the lists below.
 */
const MAX_LINES = 400;
const root = join(__dirname, '..');

/** Allowed to be longer, and why (a path ending in `/` covers the folder). */
const EXEMPT: Record<string, string> = {
  // hot paths, kept whole so the loop a profiler sees is the loop you read
  'src/analysis/exposure-aggregator.ts': 'hot-path aggregator',
  'src/analysis/formats/': 'hot-path gateway-log parsers',
  // one declaration per variable, each with its doc: long by nature, not by mixing capabilities
  'src/platform/config/env.schema.ts': 'the config schema',
  'src/platform/config/app-config.ts': 'the typed config built from the schema',
};

/** Lines as `wc -l` counts them for a file that ends with a newline. */
function lineCount(text: string): number {
  if (!text) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.tsx?$/.test(e.name)
        ? [relative(root, join(dir, e.name)).split('\\').join('/')]
        : [],
  );
}

const exempt = (file: string) =>
  Object.keys(EXEMPT).some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
const lines = (file: string) => lineCount(readFileSync(join(root, file), 'utf8'));

describe('file size', () => {
  it('counts lines as wc -l does', () => {
    expect(lineCount('')).toBe(0);
    expect(lineCount('a\n')).toBe(1);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount('a\n\nb\n')).toBe(3);
  });

  it(`no file under src/ is over ${MAX_LINES} lines, but the exempt ones`, () => {
    const files = sourceFiles(join(root, 'src'));
    expect(files.length).toBeGreaterThan(100); // the walk found the tree
    const over = files
      .filter((f) => !exempt(f))
      .map((f) => `${f}: ${lines(f)} lines`)
      .filter((s) => Number(/: (\d+) lines$/.exec(s)![1]) > MAX_LINES);
    expect(over).toEqual([]);
  });
});
