import { createHash } from 'node:crypto';
import { mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256File, startEarlyChecksums, takeEarly } from './file-checksum';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('file checksums', () => {
  const dir = mkdtempSync(join(tmpdir(), 'candor-sum-'));
  const file = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, body);
    return path;
  };

  it('hashes a file in a thread, empty or larger than its read buffer', async () => {
    const big = 'x'.repeat((1 << 20) + 17);
    expect(await sha256File(file('big.log', big))).toBe(sha(big));
    expect(await sha256File(file('empty.log', ''))).toBe(sha(''));
    await expect(sha256File(join(dir, 'missing.log'))).rejects.toThrow(/ENOENT/);
  });

  it('starts the files among arguments early, and hands each checksum over once, by its real path', async () => {
    const a = file('a.log', 'alpha\n');
    const b = file('b.log', 'beta\n');
    symlinkSync(b, join(dir, 'b-link.log'));
    // options and their values, a folder and a missing file are not files: skipped
    const started = startEarlyChecksums([
      '--from',
      '2025-11-24T00:00:00Z',
      a,
      dir,
      join(dir, 'missing.log'),
      join(dir, 'b-link.log'),
      b, // the same file again, by its own name
    ]);
    expect(started).toBe(2);
    const early = takeEarly(a);
    expect(early).not.toBeNull();
    expect(await early).toBe(sha('alpha\n'));
    expect(takeEarly(a)).toBeNull(); // handed over once
    expect(await sha256File(b)).toBe(sha('beta\n')); // the link's, taken by the file's own name
    expect(takeEarly(b)).toBeNull();
  });

  it('computes again when the file changed after its early checksum started', async () => {
    const c = file('c.log', 'first\n');
    expect(startEarlyChecksums([c])).toBe(1);
    writeFileSync(c, 'second, longer\n');
    expect(takeEarly(c)).toBeNull(); // another size: not the file it read
    expect(await sha256File(c)).toBe(sha('second, longer\n'));
    // same size, another modification time
    expect(startEarlyChecksums([c])).toBe(1);
    writeFileSync(c, 'SECOND, LONGER\n');
    utimesSync(c, new Date(2001, 0, 1), new Date(2001, 0, 1));
    expect(await sha256File(c)).toBe(sha('SECOND, LONGER\n'));
  });
});
