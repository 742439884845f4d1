import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisService } from '../src/analysis/analysis.service';
import { ExposureMerger } from '../src/analysis/exposure-aggregator';
import { FINISH_LANES, RunFinisher } from '../src/analysis/run-finisher';
import { emptyCounts } from '../src/analysis/scan-task';
import { PARTITIONS, partitionOf } from '../src/analysis/spill-files';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { Pseudonymiser } from '../src/platform/privacy';
import { SubscribersImportService } from '../src/subscribers/subscribers-import.service';
import { startTestApp, TestApp } from './helpers/app';

const FROM = Date.UTC(2025, 10, 24);
const TO = FROM + 86_400_000;
const actor = { ...SYSTEM_ACTOR, id: 'test' };
/** The finish lane a number's rows go to (run-finisher.ts: a lane takes a range of partitions). */
const lane = (digits: number) => Math.floor((partitionOf(digits) * FINISH_LANES) / PARTITIONS);
const squid = (at: number, e164: string, host: string) =>
  `${at / 1000}.000    125 10.0.0.1 TCP_MISS/200 10 GET http://${host}/ - HIER_DIRECT/1.2.3.4 text/html "UA" "${e164}"\n`;

/** The finish stores a run's numbers over several connections at once; these are the cases that split exposes. */
describe('analysis finish (numbers stored in lanes)', () => {
  let t: TestApp;
  let dir: string;
  let analyses: AnalysisService;
  let finisher: RunFinisher;
  const rows = (runId: string) =>
    t.db.query(
      `SELECT msisdn_hmac, exposures, first_seen, last_seen, distinct_hosts, top_hosts, subscriber_id
       FROM analysis_numbers WHERE run_id = $1 ORDER BY msisdn_hmac`,
      [runId],
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-finish-'));
    t = await startTestApp({ ANALYSIS_INPUT_DIR: dir, ANALYSIS_SPILL_DIR: join(dir, 'spill') });
    analyses = t.get(AnalysisService);
    finisher = t.get(RunFinisher);
  });
  afterAll(() => t?.close());

  it('sums a subscriber matched by two numbers that fall in different lanes into one match', async () => {
    // an old number and the current one of the same subscriber, in different lanes
    const old = 447911100001;
    let now = 447911200001;
    while (lane(now) === lane(old)) now++;
    const importer = t.get<SubscribersImportService>(SubscribersImportService);
    writeFileSync(join(dir, 'a.csv'), `account_id,msisdn\nACC-1,0${String(old).slice(2)}\n`);
    writeFileSync(join(dir, 'b.csv'), `account_id,msisdn\nACC-1,0${String(now).slice(2)}\n`);
    expect(await importer.importFile(join(dir, 'a.csv'), actor)).toMatchObject({ imported: 1 });
    expect(await importer.importFile(join(dir, 'b.csv'), actor)).toMatchObject({ updated: 1 });
    const path = join(dir, 'two.log');
    writeFileSync(
      path,
      squid(FROM + 60_000, `+${old}`, 'a.example.com') +
        squid(FROM + 120_000, `+${old}`, 'a.example.com') +
        squid(FROM + 180_000, `+${now}`, 'b.example.com') +
        squid(FROM + 240_000, `+${now}`, 'b.example.com') +
        squid(FROM + 300_000, `+${now}`, 'c.example.com') +
        squid(FROM + 360_000, '+447911123456', 'c.example.com'), // a stranger: no subscriber
    );
    const s = await analyses.analyze({ files: [path], from: new Date(FROM), to: new Date(TO) }, actor);
    expect(s).toMatchObject({
      status: 'completed',
      exposures: 6,
      distinctMsisdns: 3,
      matchedSubscribers: 1,
      unmatchedMsisdns: 1,
      firstSeen: new Date(FROM + 60_000).toISOString(),
      lastSeen: new Date(FROM + 360_000).toISOString(),
    });
    const [match] = await t.db.query(
      `SELECT exposures, first_seen, last_seen FROM analysis_matches WHERE run_id = $1`,
      [s.runId],
    );
    expect([Number(match.exposures), match.first_seen.getTime(), match.last_seen.getTime()]).toEqual([
      5,
      FROM + 60_000,
      FROM + 300_000,
    ]);
  });

  it('stores the same rows when a finish runs again, and none when it fails after storing the numbers', async () => {
    const path = join(dir, 'one.log');
    writeFileSync(path, squid(FROM + 60_000, '+447911400001', 'a.example.com'));
    const req = { files: [path], from: new Date(FROM), to: new Date(TO) };
    const run = await analyses.create(req, actor);
    // numbers in every lane, one with several hosts
    const merger = new ExposureMerger();
    const p = t.get<Pseudonymiser>(Pseudonymiser);
    const seen = new Set<number>();
    for (let d = 447911500000; seen.size < FINISH_LANES || d < 447911500040; d++) {
      seen.add(lane(d));
      merger.add({
        msisdn: `+${d}`,
        host: 'a.example.com',
        exposures: 2,
        first: FROM + (d % 1000),
        last: TO - 1,
      });
    }
    merger.add({ msisdn: '+447911500000', host: 'b.example.com', exposures: 3, first: FROM, last: TO - 1 });
    const counts = { ...emptyCounts(), linesRead: 1, exposures: 1 };
    const times = { checksumMs: 0, scanMs: 0, finishStarted: Date.now() };
    // a worker finishes a run it claimed (the finish completes only a running run)
    const running = () => t.db.query(`UPDATE analysis_runs SET status = 'running' WHERE id = $1`, [run.id]);
    await running();
    await finisher.finish(run, counts, { merger, spill: null }, times);
    const first = await rows(run.id);
    expect(first.length).toBe(merger.size);
    const top = first.find((r: any) => r.msisdn_hmac === p.pseudonym('+447911500000'));
    expect([Number(top.exposures), top.distinct_hosts, top.top_hosts]).toEqual([
      5,
      2,
      ['b.example.com', 'a.example.com'],
    ]);
    // a retried finish (its first attempt died after storing, the run still running) replaces the rows, never
    // adds or collides
    await running();
    await finisher.finish(run, counts, { merger, spill: null }, times);
    expect(await rows(run.id)).toEqual(first);
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

    // the numbers are stored before the totals; a failure there takes them away again
    const other = await analyses.create({ ...req, partners: ['o2.co.uk'] }, actor);
    await t.db.query(`UPDATE analysis_runs SET status = 'running' WHERE id = $1`, [other.id]);
    const bad = { ...counts, hours: { 'not an hour': 1 } };
    await expect(finisher.finish(other, bad, { merger, spill: null }, times)).rejects.toThrow(RangeError);
    expect(await rows(other.id)).toEqual([]);
    const [{ status }] = await t.db.query(`SELECT status FROM analysis_runs WHERE id = $1`, [other.id]);
    expect(status).toBe('running');
  });
});
