import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisResults } from '../src/analysis/analysis-results.service';
import { AnalysisService } from '../src/analysis/analysis.service';
import { CustomerExposureService } from '../src/analysis/customer-exposure.service';
import { ExposureMerger } from '../src/analysis/exposure-aggregator';
import { MatchesFoldRepository } from '../src/analysis/matches-fold.repository';
import { MatchesFolding } from '../src/analysis/matches-folding.service';
import { matchesTable } from '../src/analysis/run-finish.repository';
import { RunFinisher } from '../src/analysis/run-finisher';
import { emptyCounts } from '../src/analysis/scan-task';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { AudiencePort } from '../src/subscribers/audience.port';
import { SubscribersImportService } from '../src/subscribers/subscribers-import.service';
import { startTestApp, TestApp } from './helpers/app';

const FROM = Date.UTC(2025, 10, 24);
const TO = FROM + 86_400_000;
const actor = { ...SYSTEM_ACTOR, id: 'test' };
const BASE = 447500900000;
const squid = (n: number) =>
  `${(FROM + n * 1000) / 1000}.000    125 10.0.0.1 TCP_MISS/200 10 GET http://a.example/ - HIER_DIRECT/1.2.3.4 text/html "UA" "-"\n`;

/** Older runs' tables of matches folded into one: every reader answers as before, deleting a run still works. */
describe('analysis matches folded', () => {
  let t: TestApp;
  let dir: string;
  let finisher: RunFinisher;
  let folding: MatchesFolding;
  let repo: MatchesFoldRepository;
  const runs: string[] = [];

  /** Everything a reader can ask of a run, and of every subscriber across runs. */
  const answers = async () => {
    const results = t.get<AnalysisResults>(AnalysisResults);
    const customers = t.get<CustomerExposureService>(CustomerExposureService);
    const byRun: unknown[] = [];
    for (const id of runs) {
      const rows = await t.db.query(
        `SELECT subscriber_id, exposures, first_seen, last_seen, websites FROM analysis_matches
         WHERE run_id = $1 ORDER BY subscriber_id`,
        [id],
      );
      const page = await results.subscribers(id, { limit: 2 }, actor);
      const audience = await t.db.transaction(async (m) => {
        const table = await t.get<AudiencePort>(AudiencePort).stageMatched(m, id);
        return (await m.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
      });
      byRun.push({ rows, page, audience });
    }
    const subscribers = await t.db.query(`SELECT id FROM subscribers WHERE account_id LIKE 'F-%' ORDER BY 1`);
    const latest = [];
    for (const s of subscribers) latest.push((await customers.customerExposure(s.id)).exposure);
    return { byRun, latest };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-fold-'));
    t = await startTestApp({ ANALYSIS_INPUT_DIR: dir, ANALYSIS_SPILL_DIR: join(dir, 'spill') });
    finisher = t.get(RunFinisher);
    folding = t.get(MatchesFolding);
    repo = t.get(MatchesFoldRepository);
    const csv = join(dir, 'subs.csv');
    const lines = Array.from({ length: 6 }, (_, i) => `F-${i},0${String(BASE + i).slice(2)}`);
    writeFileSync(csv, `account_id,msisdn\n${lines.join('\n')}\n`);
    await t.get<SubscribersImportService>(SubscribersImportService).importFile(csv, actor);
    // five runs, each matching a different set of the six subscribers with its own figures; each asks for a fold
    const request = jest.spyOn(folding, 'request');
    const analyses = t.get<AnalysisService>(AnalysisService);
    for (let r = 0; r < 5; r++) {
      const path = join(dir, `run-${r}.log`);
      writeFileSync(path, squid(r));
      const run = await analyses.create({ files: [path], from: new Date(FROM), to: new Date(TO) }, actor);
      await t.db.query(`UPDATE analysis_runs SET status = 'running' WHERE id = $1`, [run.id]);
      const merger = new ExposureMerger();
      for (let i = r % 2; i < 6; i += 1 + (r % 3))
        merger.add({
          msisdn: `+${BASE + i}`,
          host: `h${(i + r) % 4}.example`,
          exposures: 1 + r + i,
          first: FROM + r * 1000 + i,
          last: FROM + r * 1000 + 500,
        });
      const counts = { ...emptyCounts(), linesRead: 1, exposures: 1 };
      await finisher.finish(
        run,
        counts,
        { merger, spill: null },
        { checksumMs: 0, scanMs: 0, finishStarted: 0 },
      );
      runs.push(run.id);
    }
    expect(request).toHaveBeenCalledTimes(5);
    request.mockRestore();
  });
  afterAll(() => t?.close());

  it('folds all but the newest runs into one table, and every reader answers as before', async () => {
    const before = await answers();
    expect(await repo.parts()).toEqual(runs.map(matchesTable).sort());
    expect(await folding.fold(2, 5)).toBe(0); // five tables: not past five
    expect(await folding.fold(2, 4)).toBe(3);
    const parts = await repo.parts();
    expect(parts).toHaveLength(3);
    expect(parts).toEqual(expect.arrayContaining([matchesTable(runs[3]), matchesTable(runs[4])]));
    for (const id of runs.slice(0, 3))
      expect((await t.db.query(`SELECT to_regclass($1) AS t`, [matchesTable(id)]))[0].t).toBeNull();
    expect(await answers()).toEqual(before);
    expect(await folding.fold(2, 1)).toBe(0); // the two left are the newest two
  });

  it('deletes a folded run with its rows only, and a fold that fails leaves the table as it was', async () => {
    const rows = async (id: string) =>
      (await t.db.query(`SELECT count(*)::int AS n FROM analysis_matches WHERE run_id = $1`, [id]))[0].n;
    const kept = await rows(runs[1]);
    expect(await rows(runs[0])).toBeGreaterThan(0);
    await t.db.query(`DELETE FROM analysis_runs WHERE id = $1`, [runs[0]]);
    expect(await rows(runs[0])).toBe(0);
    expect(await rows(runs[1])).toBe(kept);
    // a run's table gone under a fold: it fails, nothing changes, its new table is dropped
    const parts = await repo.parts();
    await t.db.query(`DROP TABLE ${matchesTable(runs[3])}`);
    const left = await repo.parts();
    await expect(repo.fold([runs[3], runs[4]])).rejects.toThrow(/does not exist/);
    expect(await repo.parts()).toEqual(left);
    expect(left).toHaveLength(parts.length - 1);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r' AND relname LIKE 'analysis\\_matches\\_fold\\_%'`,
    );
    expect(n).toBe(1); // the first fold's, attached
  });

  it('drops what an interrupted fold left, never a running finish table, and folds one at a time', async () => {
    await t.db.query(`CREATE TABLE analysis_matches_fold_00000000deadbeef (LIKE analysis_matches)`);
    // a running finish's table (kept), and a table outside analysis_matches of no running run (dropped: what a
    // fold that died after detaching runs' tables leaves)
    const path = join(dir, 'running.log');
    writeFileSync(path, squid(99));
    const running = await t
      .get<AnalysisService>(AnalysisService)
      .create({ files: [path], from: new Date(FROM), to: new Date(TO) }, actor);
    await t.db.query(`UPDATE analysis_runs SET status = 'running' WHERE id = $1`, [running.id]);
    const stray = matchesTable(running.id);
    await t.db.query(`CREATE TABLE ${stray} (LIKE analysis_matches)`);
    const orphan = matchesTable('00000000-0000-4000-8000-000000000000');
    await t.db.query(`CREATE TABLE ${orphan} (LIKE analysis_matches)`);
    // another fold holds the lock: this one does nothing
    expect(await repo.exclusively(() => folding.fold(0, 0))).toBe(0);
    expect(await repo.dropLeftovers()).toBe(2);
    const exists = async (name: string) =>
      (await t.db.query(`SELECT to_regclass($1) AS t`, [name]))[0].t !== null;
    expect(await exists('analysis_matches_fold_00000000deadbeef')).toBe(false);
    expect(await exists(orphan)).toBe(false);
    expect(await exists(stray)).toBe(true);
  });
});
