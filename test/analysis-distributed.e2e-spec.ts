import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLog } from '../bench/log-generator';
import { AnalysisService } from '../src/analysis/analysis.service';
import { AnalysisSummaries } from '../src/analysis/analysis-summaries.service';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { SubscribersImportService } from '../src/subscribers/subscribers-import.service';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/eventually';

jest.setTimeout(300_000);

const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');
const DAY = 86_400_000;
const FROM = Date.UTC(2025, 10, 24);
const TO = FROM + 2 * DAY;
const SUBSCRIBERS = 2000;
const BASE = 7400000000;
const actor = { ...SYSTEM_ACTOR, id: 'test' };

/**
 * One run spread over worker processes (issue 20): the API runs here, two `CANDOR_ROLE=worker` processes take
 * the run's tasks. One is killed with SIGKILL while it holds a task; the other takes the task again once
 * its lock lapses, and the run's totals and rows equal those of an undisturbed run of the same file.
 */
describe('an analysis spread over worker processes, one of them killed mid-task', () => {
  let t: TestApp;
  let dir: string;
  let analyses: AnalysisService;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-distributed-'));
    t = await startTestApp({
      CANDOR_ROLE: 'api',
      ANALYSIS_INPUT_DIR: dir,
      ANALYSIS_SPILL_DIR: join(dir, 'spill'),
      ANALYSIS_TASK_MB: '2',
    });
    analyses = t.get<AnalysisService>(AnalysisService);
    const rows = ['account_id,msisdn'];
    for (let i = 0; i < SUBSCRIBERS; i++) rows.push(`D-${i},0${BASE + i}`);
    writeFileSync(join(dir, 'subs.csv'), rows.join('\n') + '\n');
    await t.get<SubscribersImportService>(SubscribersImportService).importFile(join(dir, 'subs.csv'), actor);
    // ~20 MB: ten tasks of 2 MB, so each worker holds several in turn
    await writeLog(join(dir, 'big.log'), {
      format: 'squid',
      lines: 80_000,
      seed: 5,
      start: FROM - DAY / 4,
      end: TO + DAY / 4,
      from: FROM,
      to: TO,
      subscriberBase: BASE,
      subscriberCount: SUBSCRIBERS * 2,
      activeSubscribers: SUBSCRIBERS,
      strangerShare: 0.05,
      partner: 'o2.co.uk',
    });
  });

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await t?.close();
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        ...t.env,
        CANDOR_ROLE: 'worker',
        LOG_FILE: t.logFile.replace(/\.log$/, `-worker${workers.length}.log`),
        ANALYSIS_WORKERS: '1',
        // a dead worker's task is taken again after this long (a live worker renews its lock at half of it)
        QUEUE_STALLED_INTERVAL_MS: '3000',
      },
      stdio: 'ignore',
    });
    workers.push(child);
    return child;
  }

  const request = {
    files: [] as string[],
    from: new Date(FROM),
    to: new Date(TO),
    partners: ['o2.co.uk'],
  };

  const matches = (runId: string) =>
    t.db.query(
      `SELECT subscriber_id, exposures, first_seen, last_seen, websites FROM analysis_matches WHERE run_id = $1
       ORDER BY subscriber_id`,
      [runId],
    );
  const ended = async (runId: string, ms: number) =>
    (await eventually(
      async () => {
        const s = await t.get<AnalysisSummaries>(AnalysisSummaries).summary(runId);
        return s.status === 'completed' || s.status === 'failed' ? s : null;
      },
      ms,
      `run ${runId} to end`,
    ))!;
  const comparable = (s: Awaited<ReturnType<AnalysisSummaries['summary']>>) => {
    const { runId: _r, timings: _t, createdAt: _c, finishedAt: _f, progress: _p, ...rest } = s;
    return rest;
  };

  it('gets the same totals as an undisturbed run after kill -9 of a worker holding a task', async () => {
    request.files = [join(dir, 'big.log')];
    // undisturbed, in this process: the reference
    const reference = await analyses.analyze(request, actor);
    expect(reference.status).toBe('completed');
    expect(reference.exposures).toBeGreaterThan(30_000);
    const referenceMatches = await matches(reference.runId);
    // the same request again would reuse the reference run: remove it first
    await t.db.query(`DELETE FROM analysis_runs WHERE id = $1`, [reference.runId]);

    const run = await analyses.start(request, actor);
    // A victim worker takes the run's tasks alone; once it holds a scan task it is killed, and the task must
    // still be running then (its worker gone mid-task). Should it have finished that task just before the
    // kill, another victim is started and the next task tried. Then the survivor starts.
    let killedTask: number | null = null;
    for (let attempt = 0; killedTask === null && attempt < 5; attempt++) {
      const victim = startWorker();
      const tag = `:${victim.pid}`;
      const held = (await eventually(
        async () => {
          const rows = await t.db.query(
            `SELECT ord FROM analysis_tasks
             WHERE run_id = $1 AND kind = 'scan' AND status = 'running' AND worker LIKE $2`,
            [run.id, `%${tag}`],
          );
          return rows.length ? { ord: rows[0].ord as number } : null;
        },
        120_000,
        'a victim worker to take a scan task',
      ))!;
      victim.kill('SIGKILL');
      await new Promise((r) =>
        victim.exitCode !== null || victim.signalCode !== null ? r(null) : victim.once('exit', r),
      );
      const [row] = await t.db.query(
        `SELECT status, worker FROM analysis_tasks WHERE run_id = $1 AND ord = $2`,
        [run.id, held.ord],
      );
      if (row.status === 'running' && row.worker.endsWith(tag)) killedTask = held.ord;
    }
    expect(killedTask).not.toBeNull();
    const survivor = startWorker();

    const done = await ended(run.id, 180_000);
    expect(done).toMatchObject({ status: 'completed', error: null });
    // the killed task was taken again, by the survivor, and counted once
    const tasks = done.progress.tasks!;
    expect(tasks.find((x) => x.task === killedTask)).toMatchObject({ status: 'done', attempts: 2 });
    const [{ worker }] = await t.db.query(
      `SELECT worker FROM analysis_tasks WHERE run_id = $1 AND ord = $2`,
      [run.id, killedTask],
    );
    expect(worker).toMatch(new RegExp(`:${survivor.pid}$`));
    expect(tasks.filter((x) => x.kind === 'scan').length).toBeGreaterThanOrEqual(8);
    expect(tasks.every((x) => x.status === 'done')).toBe(true);

    expect(comparable(done)).toEqual(comparable(reference));
    expect(await matches(run.id)).toEqual(referenceMatches);
    // the dead worker's half-written output went with the run's spill directory, which the finishing worker
    // removes just after it marks the run completed (a finish retried after a crash still needs the files)
    await eventually(
      async () => !existsSync(join(dir, 'spill', run.id)) || null,
      30_000,
      `the spill directory of run ${run.id} to be removed`,
    );
    expect(readdirSync(join(dir, 'spill'))).toEqual([]);
  });
});
