import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExposureBatcher, ExposureMerger, NumberTotal, PairTotal } from './exposure-aggregator';
import {
  commitTask,
  ExposureSpill,
  loadPartition,
  partitionOf,
  PARTITIONS,
  runSegments,
  SpillWriter,
  taskWorkDir,
} from './spill-files';

function pairs(seed: number, n: number): PairTotal[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return Array.from({ length: n }, () => {
    const first = Math.floor(rand() * 1e6);
    return {
      msisdn: `+4479110${String(Math.floor(rand() * 300)).padStart(5, '0')}`,
      host: `h${Math.floor(rand() * 12)}.example`,
      exposures: 1 + Math.floor(rand() * 3),
      first,
      last: first + Math.floor(rand() * 1e5),
    };
  });
}

const byNumber = (a: NumberTotal, b: NumberTotal) => (a.msisdn < b.msisdn ? -1 : 1);

describe('spill files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spill-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sums spills of two tasks partition by partition into exactly what one merger holding all would', () => {
    const all = new ExposureMerger();
    const runDir = join(dir, 'run');
    for (const [task, seed] of [
      ['t0', 1],
      ['t1', 2],
    ] as const) {
      const work = taskWorkDir(runDir, task, 'n1');
      const w = new SpillWriter(work);
      const m = new ExposureMerger();
      // two segments per task: a spill mid-task and the rest at its end
      for (const [i, p] of pairs(seed, 4000).entries()) {
        m.add(p);
        all.add(p);
        if (i === 1500) {
          w.write(m);
          m.clear();
        }
      }
      w.write(m);
      commitTask(runDir, task, work);
    }
    const segments = runSegments(runDir);
    expect(segments).toHaveLength(4);
    const summed = new ExposureMerger();
    const got: NumberTotal[] = [];
    const hostTotals = new Map<string, number>();
    for (let p = 0; p < PARTITIONS; p++) {
      summed.clear();
      loadPartition(segments, p, summed);
      for (const n of summed.numbers()) expect(partitionOf(Number(n.slice(1)))).toBe(p);
      got.push(...summed.totals());
      for (const [h, n] of summed.hostExposures()) hostTotals.set(h, (hostTotals.get(h) ?? 0) + n);
    }
    expect(got.sort(byNumber)).toEqual([...all.totals()].sort(byNumber));
    expect(Object.fromEntries(hostTotals)).toEqual(Object.fromEntries(all.hostExposures()));
    // numbers spread over the partitions
    expect(new Set(got.map((n) => partitionOf(Number(n.msisdn.slice(1))))).size).toBeGreaterThan(
      PARTITIONS / 2,
    );
  });

  it('lets a retried task replace its output, never add to it, and ignores a half-written attempt', () => {
    const runDir = join(dir, 'run');
    const write = (nonce: string, exposures: number) => {
      const work = taskWorkDir(runDir, 't0', nonce);
      const m = new ExposureMerger();
      m.add({ msisdn: '+447911123456', host: 'a.example', exposures, first: 1, last: 2 });
      new SpillWriter(work).write(m);
      return work;
    };
    commitTask(runDir, 't0', write('first', 5));
    commitTask(runDir, 't0', write('retry', 7));
    write('dead', 100); // a worker killed before it committed
    const segments = runSegments(runDir);
    expect(segments).toHaveLength(1);
    const m = new ExposureMerger();
    for (let p = 0; p < PARTITIONS; p++) loadPartition(segments, p, m);
    expect([...m.totals()]).toEqual([
      expect.objectContaining({ msisdn: '+447911123456', exposures: 7, distinctHosts: 1 }),
    ]);
    expect(readdirSync(runDir).sort()).toEqual(['t0', 't0.dead.tmp']);
    expect(() => runSegments(runDir, ['t0', 't1'])).toThrow(/spill of task t1 is missing/);
  });

  it('refuses a truncated spill file rather than count part of a record', () => {
    const runDir = join(dir, 'run');
    const work = taskWorkDir(runDir, 't0', 'n');
    const m = new ExposureMerger();
    m.add({ msisdn: '+447911123456', host: 'a.example', exposures: 1, first: 1, last: 2 });
    new SpillWriter(work).write(m);
    commitTask(runDir, 't0', work);
    const p = partitionOf(447911123456);
    const file = join(runDir, 't0', 'seg-0', `p${p}`);
    expect(statSync(file).size).toBe(40);
    writeFileSync(file, Buffer.alloc(39));
    expect(() => loadPartition(runSegments(runDir), p, new ExposureMerger())).toThrow(/truncated/);
    expect(existsSync(join(runDir, 't0'))).toBe(true);
    mkdirSync(join(runDir, 'x.old'));
    expect(runSegments(runDir).map((s) => s.dir)).toEqual([join(runDir, 't0', 'seg-0')]);
  });

  it("partitions a scanner's exposures straight into segments that sum to what one merger of all of them holds", () => {
    const runDir = join(dir, 'run');
    const work = taskWorkDir(runDir, 'local', 'n');
    const all = new ExposureMerger();
    // two scanners of one run, each with a host table that restarts every 5 names (a new segment each time)
    for (const source of [0, 1]) {
      const spill = new ExposureSpill(work, String(source));
      const batcher = new ExposureBatcher(source, 64, 5);
      for (const p of pairs(source + 3, 3000)) {
        for (let e = 0; e < p.exposures; e++) {
          const time = e === 0 ? p.first : p.last;
          batcher.add(p.msisdn, p.host, time);
          all.add({ ...p, exposures: 1, first: time, last: time });
        }
        if (batcher.full) spill.add(batcher.drain());
      }
      spill.add(batcher.drain());
      spill.close();
      expect(spill.exposures).toBeGreaterThan(3000);
    }
    commitTask(runDir, 'local', work);
    const segments = runSegments(runDir, ['local']);
    expect(segments.length).toBeGreaterThan(4); // host tables restarted: segments of their own
    for (const s of segments) expect(s.hosts.length).toBeLessThanOrEqual(5 + 64);
    const summed = new ExposureMerger();
    const got: NumberTotal[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      summed.clear();
      loadPartition(segments, p, summed);
      got.push(...summed.totals());
    }
    expect(got.sort(byNumber)).toEqual([...all.totals()].sort(byNumber));
  });

  it('leaves no segment for a scanner that found no exposure', () => {
    const work = join(dir, 'empty');
    const spill = new ExposureSpill(work, '0');
    spill.close();
    expect(readdirSync(work)).toEqual([]);
  });
});
