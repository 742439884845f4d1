import { fansOut, planScan, ScanTask } from './scan-plan';

const MB = 1 << 20;

describe('planScan', () => {
  it('cuts a large plain squid file into contiguous ranges covering every byte', () => {
    const tasks = planScan([{ path: 'a.log', size: 100 * MB + 3, format: 'squid', gzip: false }], 2);
    expect(tasks).toHaveLength(2);
    const sorted = [...tasks].sort((x, y) => x.start - y.start);
    expect(sorted[0].start).toBe(0);
    expect(sorted[0].end).toBe(sorted[1].start);
    expect(sorted[1].end).toBe(100 * MB + 3);
  });

  it('cuts a file past the largest range into equal ranges, a multiple of the scanners', () => {
    const size = 2600 * MB + 7;
    const tasks = planScan([{ path: 'a.log', size, format: 'squid', gzip: false }], 2);
    expect(tasks).toHaveLength(4);
    const sorted = [...tasks].sort((x, y) => x.start - y.start);
    sorted.forEach((t, i) => expect(t.start).toBe(i === 0 ? 0 : sorted[i - 1].end));
    expect(sorted[3].end).toBe(size);
    expect(
      Math.max(...tasks.map((t) => t.end - t.start)) - Math.min(...tasks.map((t) => t.end - t.start)),
    ).toBeLessThan(4);
    expect(planScan([{ path: 'a.log', size: 40 * MB, format: 'squid', gzip: false }], 8)).toHaveLength(3);
  });

  it('keeps gzip and ELFF files whole, skips empty files, and puts the largest first', () => {
    const tasks = planScan(
      [
        { path: 'small.log', size: 10, format: 'squid', gzip: false },
        { path: 'big.gz', size: 500 * MB, format: 'squid', gzip: true },
        { path: 'w3c.log', size: 300 * MB, format: 'elff', gzip: false },
        { path: 'empty.log', size: 0, format: 'empty', gzip: false },
      ],
      2,
    );
    expect(tasks.map((t) => [t.path, t.start, t.end])).toEqual([
      ['big.gz', 0, 500 * MB],
      ['w3c.log', 0, 300 * MB],
      ['small.log', 0, 10],
    ]);
  });

  it('fans out gzip Squid and JSONL files to several scanners, never ELFF nor with one worker', () => {
    const t = (format: ScanTask['format'], gzip: boolean): ScanTask => ({
      path: 'x',
      format,
      gzip,
      start: 0,
      end: 1,
    });
    expect(fansOut(t('squid', true), 2)).toBe(true);
    expect(fansOut(t('jsonl', true), 4)).toBe(true);
    expect(fansOut(t('elff', true), 2)).toBe(false);
    expect(fansOut(t('squid', false), 2)).toBe(false);
    expect(fansOut(t('squid', true), 1)).toBe(false);
  });
});
