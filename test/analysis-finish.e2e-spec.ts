import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisService } from '../src/analysis/analysis.service';
import { CustomerExposureService } from '../src/analysis/customer-exposure.service';
import { ExposureMerger, PairTotal } from '../src/analysis/exposure-aggregator';
import { FINISH_LANES, RunFinisher } from '../src/analysis/run-finisher';
import { laneOf } from '../src/analysis/lane-feed';
import { Pseudonymiser } from '../src/platform/privacy';
import { emptyCounts } from '../src/analysis/scan-task';
import { AnalysisResults } from '../src/analysis/analysis-results.service';
import { matchesTable, RunFinishRepository } from '../src/analysis/run-finish.repository';
import { runSegments, SpillWriter } from '../src/analysis/spill-files';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { SubscribersImportService } from '../src/subscribers/subscribers-import.service';
import { startTestApp, TestApp } from './helpers/app';

const FROM = Date.UTC(2025, 10, 24);
const TO = FROM + 86_400_000;
const actor = { ...SYSTEM_ACTOR, id: 'test' };
/** The finish lane a number's rows go to (run-finisher.ts: a lane takes a range of partitions). */
const squid = (at: number, e164: string, host: string) =>
  `${at / 1000}.000    125 10.0.0.1 TCP_MISS/200 10 GET http://${host}/ - HIER_DIRECT/1.2.3.4 text/html "UA" "${e164}"\n`;

/** The finish stores a run's numbers over several connections at once; these are the cases that split exposes. */
describe('analysis finish (numbers stored in lanes)', () => {
  let t: TestApp;
  let dir: string;
  let analyses: AnalysisService;
  let finisher: RunFinisher;
  /** A number's lane: the range of pseudonyms its pseudonym falls in. */
  let lane: (digits: number) => number;
  /** What a run stored: its matches (with websites). */
  const rows = (runId: string) =>
    t.db.query(
      `SELECT subscriber_id, exposures, first_seen, last_seen, websites
       FROM analysis_matches WHERE run_id = $1 ORDER BY subscriber_id`,
      [runId],
    );
  let importer: SubscribersImportService;
  let csvs = 0;
  /** Imports subscribers (`ACC-x,digits` each), one file per call: a later file moves a number to history. */
  const importSubscribers = async (subs: [string, number][]) => {
    const file = join(dir, `subs-${csvs++}.csv`);
    writeFileSync(
      file,
      `account_id,msisdn\n${subs.map(([a, d]) => `${a},0${String(d).slice(2)}`).join('\n')}\n`,
    );
    return importer.importFile(file, actor);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-finish-'));
    t = await startTestApp({ ANALYSIS_INPUT_DIR: dir, ANALYSIS_SPILL_DIR: join(dir, 'spill') });
    analyses = t.get(AnalysisService);
    finisher = t.get(RunFinisher);
    importer = t.get(SubscribersImportService);
    const pseudonyms = t.get<Pseudonymiser>(Pseudonymiser);
    lane = (d) => laneOf(Buffer.from(pseudonyms.pseudonym(`+${d}`), 'latin1'), 0, FINISH_LANES);
  });
  afterAll(() => t?.close());

  it('sums a subscriber matched by two numbers that fall in different lanes into one match, websites united', async () => {
    // an old number and the current one of the same subscriber, in different lanes
    const old = 447911100001;
    let now = 447911200001;
    while (lane(now) === lane(old)) now++;
    expect(await importSubscribers([['ACC-1', old]])).toMatchObject({ imported: 1 });
    expect(await importSubscribers([['ACC-1', now]])).toMatchObject({ updated: 1 });
    const path = join(dir, 'two.log');
    // the old number's top hosts rank z before b (more exposures); the new one's are a and b: the websites are
    // their union, each once, sorted (as array_agg(DISTINCT) over both numbers' top hosts made them before)
    writeFileSync(
      path,
      squid(FROM + 60_000, `+${old}`, 'z.example.com') +
        squid(FROM + 120_000, `+${old}`, 'z.example.com') +
        squid(FROM + 130_000, `+${old}`, 'b.example.com') +
        squid(FROM + 180_000, `+${now}`, 'b.example.com') +
        squid(FROM + 240_000, `+${now}`, 'b.example.com') +
        squid(FROM + 300_000, `+${now}`, 'a.example.com') +
        squid(FROM + 360_000, '+447911123456', 'c.example.com'), // a stranger: no subscriber
    );
    const s = await analyses.analyze({ files: [path], from: new Date(FROM), to: new Date(TO) }, actor);
    expect(s).toMatchObject({
      status: 'completed',
      exposures: 7,
      distinctMsisdns: 3,
      matchedSubscribers: 1,
      unmatchedMsisdns: 1,
      firstSeen: new Date(FROM + 60_000).toISOString(),
      lastSeen: new Date(FROM + 360_000).toISOString(),
    });
    const [match] = await rows(s.runId);
    expect([
      Number(match.exposures),
      match.first_seen.getTime(),
      match.last_seen.getTime(),
      match.websites,
    ]).toEqual([6, FROM + 60_000, FROM + 300_000, ['a.example.com', 'b.example.com', 'z.example.com']]);
    // the customer's page reads the same figures
    const page = await t
      .get<CustomerExposureService>(CustomerExposureService)
      .customerExposure(match.subscriber_id);
    expect(page.exposure).toMatchObject({
      count: 6,
      websites: ['a.example.com', 'b.example.com', 'z.example.com'],
    });
  });

  it('stores the same rows when a finish runs again, none when it fails, and never what a crashed one stored', async () => {
    const path = join(dir, 'one.log');
    writeFileSync(path, squid(FROM + 60_000, '+447911400001', 'a.example.com'));
    const req = { files: [path], from: new Date(FROM), to: new Date(TO) };
    const run = await analyses.create(req, actor);
    // numbers in every lane, one with several hosts; every other one a subscriber's, and one subscriber with a
    // second (past) number in another lane
    const merger = new ExposureMerger();
    const seen = new Set<number>();
    const numbers: number[] = [];
    for (let d = 447400100000; seen.size < FINISH_LANES || d < 447400100040; d++) {
      seen.add(lane(d));
      numbers.push(d);
      merger.add({
        msisdn: `+${d}`,
        host: 'a.example.com',
        exposures: 2,
        first: FROM + (d % 1000),
        last: TO - 1,
      });
    }
    merger.add({ msisdn: '+447400100000', host: 'b.example.com', exposures: 3, first: FROM, last: TO - 1 });
    const past = numbers.find((d) => d % 2 === 1 && lane(d) !== lane(447400100000))!;
    expect(await importSubscribers([['ACC-P', past]])).toMatchObject({ imported: 1 });
    const owned = numbers.filter((d) => d % 2 === 0);
    expect(
      await importSubscribers(owned.map((d) => [d === 447400100000 ? 'ACC-P' : `ACC-${d}`, d])),
    ).toMatchObject({
      imported: owned.length - 1,
      updated: 1,
    });
    const counts = { ...emptyCounts(), linesRead: 1, exposures: 1 };
    const times = { checksumMs: 0, scanMs: 0, finishStarted: Date.now() };
    // a worker finishes a run it claimed (the finish completes only a running run)
    const running = () => t.db.query(`UPDATE analysis_runs SET status = 'running' WHERE id = $1`, [run.id]);
    const summary = () =>
      t.db.query(
        `SELECT distinct_msisdns, unmatched_msisdns, matched_subscribers, first_seen, last_seen FROM analysis_runs WHERE id = $1`,
        [run.id],
      );
    await running();
    await finisher.finish(run, counts, { merger, spill: null }, times);
    const first = await rows(run.id);
    expect(first.length).toBe(owned.length);
    expect((await summary())[0]).toMatchObject({
      distinct_msisdns: String(merger.size),
      unmatched_msisdns: String(merger.size - owned.length - 1),
      matched_subscribers: String(owned.length),
    });
    const [{ id: both }] = await t.db.query(`SELECT id FROM subscribers WHERE account_id = 'ACC-P'`);
    const top = first.find((r: any) => r.subscriber_id === both);
    // 2 + 3 exposures of the current number, 2 of the past one; hosts b, a and a, each once, sorted
    expect([Number(top.exposures), top.first_seen.getTime(), top.websites]).toEqual([
      7,
      FROM,
      ['a.example.com', 'b.example.com'],
    ]);
    const totals = await summary();
    // a retried finish (its first attempt died after storing, the run still running) replaces the rows, never
    // adds or collides: what a crashed attempt stored (here: every match doubled, one dropped) is cleared first
    await running();
    await t.db.query(
      `UPDATE analysis_matches SET exposures = exposures * 2, websites = '{x.example.com}' WHERE run_id = $1`,
      [run.id],
    );
    await t.db.query(
      `DELETE FROM analysis_matches WHERE run_id = $1 AND subscriber_id = (SELECT subscriber_id FROM analysis_matches WHERE run_id = $1 ORDER BY 1 LIMIT 1)`,
      [run.id],
    );
    await finisher.finish(run, counts, { merger, spill: null }, times);
    expect(await rows(run.id)).toEqual(first);
    expect(await summary()).toEqual(totals);
    // a stray finish of a run that is no longer running (completed here) is refused and leaves its results alone
    await expect(finisher.finish(run, counts, { merger, spill: null }, times)).rejects.toThrow(
      /no longer running/,
    );
    expect(await rows(run.id)).toEqual(first);
    const completions = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'analysis.completed' AND target_id = $1`,
      [run.id],
    );
    expect(completions[0].n).toBe(2);

    // the matches are stored before the totals; a failure there takes them away
    const other = await analyses.create({ ...req, partners: ['o2.co.uk'] }, actor);
    await t.db.query(`UPDATE analysis_runs SET status = 'running' WHERE id = $1`, [other.id]);
    const bad = { ...counts, hours: { 'not an hour': 1 } };
    await expect(finisher.finish(other, bad, { merger, spill: null }, times)).rejects.toThrow(RangeError);
    expect(await rows(other.id)).toEqual([]);
    const [{ status }] = await t.db.query(`SELECT status FROM analysis_runs WHERE id = $1`, [other.id]);
    expect(status).toBe('running');
    // the first run's results were not touched by the other's failure
    expect(await rows(run.id)).toEqual(first);
  });

  /** Pairs over numbers in every lane, a subscriber for every other one, one subscriber with two numbers in different lanes. */
  const fixture = async (base: number, account: string) => {
    const pairs: PairTotal[] = [];
    const numbers: number[] = [];
    const seen = new Set<number>();
    for (let d = base; seen.size < FINISH_LANES || d < base + 40; d++) {
      seen.add(lane(d));
      numbers.push(d);
      pairs.push({
        msisdn: `+${d}`,
        host: 'a.example.com',
        exposures: 2,
        first: FROM + (d % 1000),
        last: TO - 1,
      });
      pairs.push({
        msisdn: `+${d}`,
        host: `h${d % 7}.example.com`,
        exposures: 1,
        first: FROM + 5,
        last: TO - 2,
      });
    }
    const past = numbers.find((d) => d % 2 === 1 && lane(d) !== lane(base))!;
    // hosts whose order differs between JavaScript's `<` (UTF-16 units) and Postgres's (code points)
    for (const host of ['ｚ.example', '😀.example', 'é.example', 'Z.example'])
      pairs.push({
        msisdn: `+${host === 'ｚ.example' ? base : past}`,
        host,
        exposures: 9,
        first: FROM + 1,
        last: TO - 3,
      });
    expect(await importSubscribers([[account, past]])).toMatchObject({ imported: 1 });
    const owned = numbers.filter((d) => d % 2 === 0);
    await importSubscribers(owned.map((d) => [d === base ? account : `${account}-${d}`, d]));
    return pairs;
  };
  const counts = { ...emptyCounts(), linesRead: 1, exposures: 1 };
  const newRun = async (tag: string) => {
    const path = join(dir, `${tag}.log`);
    writeFileSync(path, squid(FROM + 60_000, '+447911400001', 'a.example.com'));
    const run = await analyses.create({ files: [path], from: new Date(FROM), to: new Date(TO) }, actor);
    await t.db.query(`UPDATE analysis_runs SET status = 'running' WHERE id = $1`, [run.id]);
    return run;
  };
  const times = () => ({ checksumMs: 0, scanMs: 0, finishStarted: Date.now() });
  const withoutRun = async (runId: string) =>
    (await rows(runId)).map((r: Record<string, unknown>) => ({ ...r, first_seen: String(r.first_seen) }));
  const summary = async (runId: string) =>
    (
      await t.db.query(
        `SELECT distinct_msisdns, unmatched_msisdns, matched_subscribers, first_seen, last_seen, top_hosts
         FROM analysis_runs WHERE id = $1`,
        [runId],
      )
    )[0];

  it('stores the same rows from the held numbers and from spill files, websites sorted as Postgres sorts them', async () => {
    const pairs = await fixture(447500100000, 'ACC-S');
    const held = new ExposureMerger();
    for (const p of pairs) held.add(p);
    const a = await newRun('held');
    await finisher.finish(a, counts, { merger: held, spill: null }, times());
    // the same pairs in two spills (every number in both), summed partition by partition at the finish
    const runDir = join(dir, 'spilled-run');
    const writer = new SpillWriter(join(runDir, 'local'));
    for (const half of [0, 1]) {
      const m = new ExposureMerger();
      pairs.forEach((p, i) => {
        if (i % 2 === half) m.add(p);
      });
      writer.write(m);
    }
    const b = await newRun('spilled');
    await finisher.finish(
      b,
      counts,
      { merger: new ExposureMerger(), spill: runSegments(runDir, ['local']) },
      times(),
    );
    const stored = await withoutRun(a.id);
    expect(stored.length).toBe(20);
    expect(await withoutRun(b.id)).toEqual(stored);
    const [x, y] = [await summary(a.id), await summary(b.id)];
    expect(y).toEqual(x);
    expect(x).toMatchObject({ distinct_msisdns: '40', unmatched_msisdns: '19', matched_subscribers: '20' });
    // the subscriber with two numbers: one row, exposures summed, websites their top hosts' union in the order
    // of ORDER BY under the database's collation
    const [{ id }] = await t.db.query(`SELECT id FROM subscribers WHERE account_id = 'ACC-S'`);
    const both = (await rows(a.id)).find((r: { subscriber_id: string }) => r.subscriber_id === id);
    const [{ sorted }] = await t.db.query(
      `SELECT ARRAY(SELECT DISTINCT h FROM unnest($1::text[]) h ORDER BY h) AS sorted`,
      [both.websites],
    );
    expect(both.websites).toEqual(sorted);
    expect(both.websites).toContain('ｚ.example');
    expect(both.websites).toContain('😀.example');
    expect(both.websites.indexOf('ｚ.example')).toBeLessThan(both.websites.indexOf('😀.example'));
  });

  it('finds the same subscribers whichever way a lane walks the index: one lookup a number, or merged', async () => {
    const pairs = await fixture(447500500000, 'ACC-W');
    const merger = new ExposureMerger();
    for (const p of pairs) merger.add(p);
    const repo = t.get<RunFinishRepository>(RunFinishRepository);
    // the choice, by the share of its range of subscribers a lane's numbers are
    expect(repo.walk(20_000, 2_500_000)).toBe('lookups');
    expect(repo.walk(100_000, 2_500_000)).toBe('lookups');
    expect(repo.walk(477_000, 2_500_000)).toBe('merge');
    expect(repo.walk(10, null)).toBeNull();
    await t.db.query(`ANALYZE subscribers`);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM subscribers`);
    const walk = jest.spyOn(repo, 'walk');
    const stored: unknown[] = [];
    try {
      for (const forced of ['lookups', 'merge', null] as const) {
        walk.mockClear();
        if (forced) walk.mockReturnValue(forced);
        else walk.mockRestore();
        const run = await newRun(`walk-${forced}`);
        await finisher.finish(run, counts, { merger, spill: null }, times());
        stored.push({ rows: await withoutRun(run.id), summary: await summary(run.id) });
        if (forced) {
          // each lane asked once, with its numbers and its share of the (analysed) subscribers
          expect(walk).toHaveBeenCalledTimes(FINISH_LANES);
          const asked = walk.mock.calls;
          expect(asked.reduce((sum, [numbers]) => sum + numbers, 0)).toBe(40);
          for (const [, entries] of asked) expect(entries).toBeCloseTo(n / FINISH_LANES, 0);
        }
      }
    } finally {
      walk.mockRestore();
    }
    expect((stored[0] as { rows: unknown[] }).rows.length).toBe(20);
    expect(stored[1]).toEqual(stored[0]);
    expect(stored[2]).toEqual(stored[0]);
  });

  it('stores a match with one website (most, at a national scale) as it stores one with several', async () => {
    await importSubscribers([
      ['ACC-U1', 447500700001],
      ['ACC-U2', 447500700002],
      ['ACC-U3', 447500700003],
    ]);
    const merger = new ExposureMerger();
    // one number, one host, not ASCII (its field's length is in bytes); another, three hosts; another, one
    merger.add({
      msisdn: '+447500700001',
      host: 'ｚ.example',
      exposures: 2,
      first: FROM + 7,
      last: FROM + 9,
    });
    for (const host of ['b.example', 'a.example', 'c.example'])
      merger.add({ msisdn: '+447500700002', host, exposures: 1, first: FROM + 1, last: FROM + 2 });
    merger.add({
      msisdn: '+447500700003',
      host: 'solo.example',
      exposures: 1,
      first: FROM + 4,
      last: FROM + 4,
    });
    const run = await newRun('one-website');
    await finisher.finish(run, counts, { merger, spill: null }, times());
    const stored = await t.db.query(
      `SELECT s.account_id, m.exposures, m.first_seen, m.last_seen, m.websites
       FROM analysis_matches m JOIN subscribers s ON s.id = m.subscriber_id WHERE m.run_id = $1 ORDER BY 1`,
      [run.id],
    );
    expect(
      stored.map((r: any) => [
        r.account_id,
        Number(r.exposures),
        r.first_seen.getTime(),
        r.last_seen.getTime(),
        r.websites,
      ]),
    ).toEqual([
      ['ACC-U1', 2, FROM + 7, FROM + 9, ['ｚ.example']],
      ['ACC-U2', 3, FROM + 1, FROM + 2, ['a.example', 'b.example', 'c.example']],
      ['ACC-U3', 1, FROM + 4, FROM + 4, ['solo.example']],
    ]);
  });

  it('removes what a finish stored when it fails while storing, and shows no run before it completes', async () => {
    const pairs = await fixture(447500300000, 'ACC-F');
    const merger = new ExposureMerger();
    for (const p of pairs) merger.add(p);
    const run = await newRun('fails');
    const repo = t.get<RunFinishRepository>(RunFinishRepository);
    const store = repo.storeMatches.bind(repo);
    let firstStored!: () => void;
    const stored = new Promise<void>((r) => (firstStored = r));
    let seenByReaders: unknown = null;
    let storedRows = 0;
    const table = matchesTable(run.id);
    const spy = jest.spyOn(repo, 'storeMatches').mockImplementationOnce(async (runId, write) => {
      // one connection's share committed: rows in the run's table, which is not yet part of analysis_matches
      await store(runId, write);
      storedRows = Number((await t.db.query(`SELECT count(*) n FROM ${table}`))[0].n);
      expect(await rows(run.id)).toEqual([]);
      seenByReaders = await t.get<AnalysisResults>(AnalysisResults).subscribers(run.id, {}, actor);
      firstStored();
    });
    spy.mockImplementationOnce((runId, write) =>
      store(runId, async (out) => {
        await stored;
        await write(out); // its rows went into the COPY, which then fails
        throw new Error('the connection was lost');
      }),
    );
    try {
      await expect(finisher.finish(run, counts, { merger, spill: null }, times())).rejects.toThrow(
        'the connection was lost',
      );
    } finally {
      spy.mockRestore();
    }
    expect(storedRows).toBeGreaterThan(0);
    expect(seenByReaders).toEqual({ items: [], nextAfter: null });
    expect(await rows(run.id)).toEqual([]);
    const [{ left }] = await t.db.query(`SELECT to_regclass($1) AS left`, [table]);
    expect(left).toBeNull(); // the run's table dropped
    const [{ status }] = await t.db.query(`SELECT status FROM analysis_runs WHERE id = $1`, [run.id]);
    expect(status).toBe('running');
    // and a retry stores the run whole
    await finisher.finish(run, counts, { merger, spill: null }, times());
    expect((await rows(run.id)).length).toBe(20);
  });
});
