/* npm run bench -- analysis [--lines N] [--subscribers N] [--active N] [--worst-lines N] [--processes 1,2,4]
                             [--pin] [--gz] [--10x] [--no-worst]
   Generates a Squid log (10M lines by default, from --active subscribers: lines/20 by default, the ratio of
   ~100M lines a day over 5M subscribers) and a subscriber table (5M rows) in the database candor_bench, then
   measures on the same file in the same run: `wc -l`, a mawk script doing the per-number aggregation (count,
   first, last), Candor's full analysis through the CLI in one process (parse, detect, aggregate, spill to
   partitioned files past the merge budget, COPY the final rows into Postgres, join with the subscribers),
   and the same run spread over 1, 2 and 4 worker processes (`analyze --distributed`, workers started and
   ready before the clock starts; with --pin each worker process is held to one core, worker i on core
   i mod C, so 1, 2 and 4 workers have 1, 2 and 2 cores: one unpinned worker already keeps both cores of a
   2-core machine busy with its scanner thread and its merger). Then the worst case (--active 0: every line's number drawn from the whole
   base, --worst-lines, 2M by default) against mawk on that file. Optional: the gzipped file, the file
   repeated 10 times (peak RSS must not grow). Parse+detect alone on one core closes the run.
   Each one-process run also reports its CPU seconds (Candor's process, and the Postgres backends it used):
   the machine is shared, so wall-clock ratios move with the load, CPU seconds hardly do; on C cores a run
   can be at most C x (mawk's CPU seconds / the run's) faster than mawk (`ratios.cpuBound2Cores`). */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { Queue } from 'bullmq';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { Client } from 'pg';
import { DEFAULT_SQUID_LOGFORMAT } from '../src/analysis/formats';
import { classify } from '../src/analysis/detection';
import { createParser, SKIP } from '../src/analysis/formats';
import { compileMobileMatcher, mobilePlan } from '../src/platform/privacy';
import { ByteLineSplitter, MAX_LINE_BYTES } from '../src/platform/streams/line-splitter';
import { ExposureBatcher } from '../src/analysis/exposure-aggregator';
import { NativeSquidScan } from '../src/analysis/native-scan';
import { writeLog } from './log-generator';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'bench', 'out', 'analysis');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/candor_bench';
const KEY = 'bench-pseudonym-key-0123456789';
const FROM = Date.UTC(2025, 10, 24);
const TO = FROM + 3 * 86_400_000;
const BASE = 7400000000;
const ALLOW = new Set([
  'x-up-calling-line-id',
  'x-msisdn',
  'msisdn',
  'x-nokia-msisdn',
  'x-wap-msisdn',
  'x-wap-network-client-msisdn',
  'x-h3g-msisdn',
  'x-network-info',
]);

const arg = (args: string[], name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const env = {
  ...process.env,
  DATABASE_URL: DB_URL,
  PSEUDONYM_KEY: KEY,
  LOG_LEVEL: 'warn',
  QUEUE_PREFIX: 'candor-bench',
};

/** Load average over the last minute (the machine is shared: ratios, both sides in the same run, are what count). */
function load(): number {
  return +readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
}

function timed(
  cmd: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): { seconds: number; cpuSeconds: number; peakRssMb: number; stdout: string } {
  const rssFile = join(OUT, 'rss.txt');
  const t0 = process.hrtime.bigint();
  // peak RSS and CPU time (user + system, all threads): CPU seconds hardly depend on the machine's load
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, cmd, ...args], {
    env: { ...env, ...extraEnv },
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr?.slice(-2000)}`);
  const [rssKb, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return {
    seconds,
    cpuSeconds: +(user + sys).toFixed(2),
    peakRssMb: Math.round(rssKb / 1024),
    stdout: r.stdout,
  };
}

async function ensureDatabase(subscribers: number): Promise<void> {
  // the app creates and migrates the database itself (same path as production)
  const migrate = spawnSync(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(join(ROOT, 'dist', 'src', 'cli', 'cli-app.js'))}).withApp(async () => {})`,
    ],
    { env, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(migrate.stderr);
  const db = new Client({ connectionString: DB_URL });
  await db.connect();
  const have = Number(
    (await db.query(`SELECT count(*) n FROM subscribers WHERE account_id LIKE 'B%'`)).rows[0].n,
  );
  if (have < subscribers) {
    log(`creating ${subscribers} subscribers (once; kept in candor_bench)`);
    await db.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    for (let start = have; start < subscribers; start += 1_000_000) {
      const end = Math.min(subscribers, start + 1_000_000) - 1;
      await db.query(
        `INSERT INTO subscribers (account_id, msisdn, msisdn_hmac, locale)
         SELECT 'B' || i, '+44' || ($1::bigint + i),
                encode(hmac(convert_to('msisdn', 'UTF8') || '\\x00'::bytea || convert_to('+44' || ($1::bigint + i), 'UTF8'),
                            convert_to($2, 'UTF8'), 'sha256'), 'hex'), 'en'
         FROM generate_series($3::int, $4::int) i`,
        [BASE, KEY, start, end],
      );
      log(`  ${end + 1} subscribers`);
    }
    await db.query(`VACUUM (ANALYZE) subscribers`); // as the CSV import does after a load
  }
  await db.end();
}

async function clearRuns(): Promise<void> {
  const db = new Client({ connectionString: DB_URL });
  await db.connect();
  await db.query(`DELETE FROM analysis_runs`); // results cascade; lets the same file be measured again
  // autovacuum is off on the shared dev server: without this each measurement scans the dead rows of
  // every earlier one (27M dead staging rows once made the finish 4x slower). Not timed.
  await db.query(`VACUUM analysis_matches, analysis_runs, analysis_files, analysis_tasks`);
  await db.end();
}

/** parse + detect on one core, no aggregation or database: the inner loop's speed, on the scanner's
    path (lines as bytes, the Squid byte parser; the host read for each exposure, as the aggregate does).
    With `native`, the native scanner's path (scan-task.ts): it takes the lines it is sure of, and adds
    their exposures to a batcher (drained each chunk); the JS loop takes the lines it hands back. Null when
    the addon is not built. */
export async function parseDetect(
  path: string,
  native = false,
): Promise<{ lines: number; exposures: number; seconds: number } | null> {
  const parser = createParser('squid', { allowlist: ALLOW, squidLogformat: DEFAULT_SQUID_LOGFORMAT });
  const rules = { from: FROM, to: TO, partners: ['o2.co.uk'], mobile: compileMobileMatcher('GB') };
  const batch = new ExposureBatcher(0);
  const scanner = native
    ? NativeSquidScan.create(
        {
          allowlist: ALLOW,
          squidLogformat: DEFAULT_SQUID_LOGFORMAT,
          from: FROM,
          to: TO,
          partners: rules.partners,
          mobile: mobilePlan('GB'),
          maxLineBytes: MAX_LINE_BYTES,
        },
        batch,
      )
    : null;
  if (native && !scanner) return null;
  let lines = 0;
  let exposures = 0;
  const splitter = new ByteLineSplitter(
    (buf, start, end) => {
      const r = parser.parseBytes(buf, start, end);
      if (r === SKIP || r === null) return;
      lines++;
      if (classify(r, rules).kind === 'exposure' && r.host !== undefined) exposures++;
    },
    { onLines: scanner ? (buf, start, end) => scanner.lines(buf, start, end) : undefined },
  );
  const t0 = process.hrtime.bigint();
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) {
    splitter.push(c as Buffer);
    if (batch.full) batch.drain();
  }
  splitter.end();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (scanner) {
    lines += scanner.counts[0];
    exposures += scanner.counts[1];
  }
  return { lines, exposures, seconds };
}

const MAWK = `# per-number aggregation of the default Squid format: count, first, last
BEGIN { FS = " " }
{
  n = split($0, q, "\\"")
  v = q[n - 1]
  if ($6 == "CONNECT" || $4 ~ /HIT|DENIED/ || $1 < from || $1 >= to) next
  gsub(/[ ()-]|^tel:/, "", v); sub(/^\\+/, "", v); sub(/^00/, "", v); sub(/^0/, "44", v)
  if (v !~ /^447[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/) next
  c[v]++
  if (!(v in f) || $1 < f[v]) f[v] = $1
  if ($1 > l[v]) l[v] = $1
}
END { for (k in c) print k, c[k], f[k], l[k] }
`;

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const lines = arg(args, '--lines', 10_000_000);
  const subscribers = arg(args, '--subscribers', 5_000_000);
  const active = arg(args, '--active', Math.round(lines / 20)) || subscribers;
  const worstLines = arg(args, '--worst-lines', 2_000_000);
  const processes = (
    args[args.indexOf('--processes') + 1] && args.includes('--processes')
      ? args[args.indexOf('--processes') + 1]
      : '1,2,4'
  )
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  mkdirSync(OUT, { recursive: true });
  const plain = await ensureLog(lines, active, subscribers);
  await ensureDatabase(subscribers);
  writeFileSync(join(OUT, 'agg.awk'), MAWK);
  const loads: number[] = [load()];

  log('wc -l');
  const wc = timed('wc', ['-l', plain]);
  log('mawk aggregation');
  const mawk = mawkOn(plain);
  log('candor analyze, one process');
  await clearRuns();
  const candor = analyze(plain);
  loads.push(load());
  const scaling: Record<string, unknown>[] = [];
  const pin = args.includes('--pin');
  for (const n of processes) {
    log(`candor analyze --distributed, ${n} worker process(es)${pin ? ', one core each' : ''}`);
    await clearRuns();
    const r = await distributed(plain, n, pin);
    scaling.push({
      processes: n,
      cores: pin ? Math.min(n, cpus().length) : cpus().length,
      seconds: +r.seconds.toFixed(2),
      linesPerSecond: Math.round(lines / r.seconds),
      // the scan is what the workers share; the finish runs in one of them whatever their number
      scanLinesPerSecond: Math.round(lines / (r.result.timings.scanMs / 1000)),
      fasterThanMawk: +(mawk.seconds / r.seconds).toFixed(2),
      timings: r.result.timings,
      workerPeakRssMb: r.workerPeakRssMb,
    });
    loads.push(load());
  }
  let worst: Record<string, unknown> | null = null;
  let worstCpu: number | null = null;
  if (!args.includes('--no-worst')) {
    const worstFile = await ensureLog(worstLines, 0, subscribers);
    log('worst case (--active 0): mawk');
    const wm = mawkOn(worstFile);
    log('worst case (--active 0): candor');
    await clearRuns();
    const wc2 = analyze(worstFile);
    worst = {
      lines: worstLines,
      mawk: {
        seconds: +wm.seconds.toFixed(2),
        cpuSeconds: wm.cpuSeconds,
        numbers: wm.numbers,
        peakRssMb: wm.peakRssMb,
      },
      candor: {
        seconds: +wc2.seconds.toFixed(2),
        cpuSeconds: wc2.cpuSeconds,
        postgresCpuSeconds: wc2.pgCpuSeconds,
        peakRssMb: wc2.peakRssMb,
        distinctMsisdns: wc2.result.distinctMsisdns,
        timings: wc2.result.timings,
      },
      candorFasterThanMawk: +(wm.seconds / wc2.seconds).toFixed(2),
    };
    worstCpu = +((2 * wm.cpuSeconds) / (wc2.cpuSeconds + wc2.pgCpuSeconds)).toFixed(2);
    loads.push(load());
  }
  let gz: Record<string, unknown> | null = null;
  if (args.includes('--gz')) {
    const file = plain + '.gz';
    if (!existsSync(file)) execFileSync('sh', ['-c', `gzip -1 -c '${plain}' > '${file}'`]);
    log('candor analyze (gzip)');
    await clearRuns();
    const r = analyze(file);
    gz = {
      seconds: +r.seconds.toFixed(2),
      linesPerSecond: Math.round(lines / r.seconds),
      peakRssMb: r.peakRssMb,
      timings: r.result.timings,
      gzMb: Math.round(statSync(file).size / 1e6),
    };
  }
  let x10: Record<string, unknown> | null = null;
  if (args.includes('--10x')) {
    const big = plain.replace(/\.log$/, '-x10.log');
    if (!existsSync(big))
      execFileSync('sh', ['-c', `for i in 1 2 3 4 5 6 7 8 9 10; do cat '${plain}'; done > '${big}'`]);
    log('candor analyze (10x file)');
    await clearRuns();
    const r = analyze(big);
    x10 = {
      seconds: +r.seconds.toFixed(2),
      lines: r.result.linesRead,
      linesPerSecond: Math.round(r.result.linesRead / r.seconds),
      peakRssMb: r.peakRssMb,
    };
  }
  log('parse+detect, one core');
  const pd = (await parseDetect(plain))!;
  log('parse+detect, one core, native');
  const pdNative = await parseDetect(plain, true);
  return {
    machine: {
      cpus: (await import('node:os')).availableParallelism(),
      node: process.version,
      loadAverage: { atStart: loads[0], samples: loads },
    },
    input: { lines, fileMb: Math.round(statSync(plain).size / 1e6), subscribers, activeSubscribers: active },
    wc: { seconds: +wc.seconds.toFixed(2), cpuSeconds: wc.cpuSeconds },
    mawk: {
      seconds: +mawk.seconds.toFixed(2),
      cpuSeconds: mawk.cpuSeconds,
      numbers: mawk.numbers,
      peakRssMb: mawk.peakRssMb,
    },
    candor: {
      seconds: +candor.seconds.toFixed(2),
      cpuSeconds: candor.cpuSeconds,
      postgresCpuSeconds: candor.pgCpuSeconds,
      linesPerSecond: Math.round(lines / candor.seconds),
      peakRssMb: candor.peakRssMb,
      distinctMsisdns: candor.result.distinctMsisdns,
      matchedSubscribers: candor.result.matchedSubscribers,
      exposures: candor.result.exposures,
      timings: candor.result.timings,
      scanLinesPerSecond: Math.round(lines / (candor.result.timings.scanMs / 1000)),
    },
    distributed: scaling,
    worst,
    gz,
    x10,
    parseDetectOneCore: { linesPerSecond: Math.round(pd.lines / pd.seconds), exposures: pd.exposures },
    parseDetectOneCoreNative: pdNative && {
      linesPerSecond: Math.round(pdNative.lines / pdNative.seconds),
      exposures: pdNative.exposures,
    },
    ratios: {
      candorFasterThanMawk: +(mawk.seconds / candor.seconds).toFixed(2),
      worstFasterThanMawk: worst?.candorFasterThanMawk ?? null,
      // the ceiling on 2 cores if both were always busy: mawk uses one
      cpuBound2Cores: +((2 * mawk.cpuSeconds) / (candor.cpuSeconds + candor.pgCpuSeconds)).toFixed(2),
      worstCpuBound2Cores: worstCpu,
      candorVsWcL: +(candor.seconds / wc.seconds).toFixed(1),
      mawkVsWcL: +(mawk.seconds / wc.seconds).toFixed(1),
    },
    agreement: { mawkNumbers: mawk.numbers, candorNumbers: candor.result.distinctMsisdns },
  };
}

async function ensureLog(lines: number, activeArg: number, subscribers: number): Promise<string> {
  const active = activeArg || subscribers;
  const name = active >= subscribers ? `gateway-${lines}` : `gateway-${lines}-a${active}`;
  const plain = join(OUT, `${name}.log`);
  if (!existsSync(plain)) {
    log(`generating ${lines} lines`);
    await writeLog(plain + '.part', {
      format: 'squid',
      lines,
      seed: 1,
      start: FROM - 3600_000,
      end: TO + 3600_000,
      from: FROM,
      to: TO,
      subscriberBase: BASE,
      subscriberCount: subscribers,
      activeSubscribers: active,
      strangerShare: 0.05,
      partner: 'o2.co.uk',
    });
    renameSync(plain + '.part', plain);
  }
  return plain;
}

function mawkOn(file: string) {
  const r = timed('mawk', [
    '-v',
    `from=${FROM / 1000}`,
    '-v',
    `to=${TO / 1000}`,
    '-f',
    join(OUT, 'agg.awk'),
    file,
  ]);
  return { ...r, numbers: r.stdout.trim().split('\n').length };
}

const analyzeArgs = (file: string) => [
  CLI,
  'analyze',
  '--from',
  new Date(FROM).toISOString(),
  '--to',
  new Date(TO).toISOString(),
  '--partner',
  'o2.co.uk',
  '--json',
  file,
];

/**
 * The run in one process, with the CPU time of the Postgres backends it used (sampled every 0.2 s from
 * /proc while it runs: the join and inserts run there, not in Candor's process). With Candor's own CPU time
 * this is the run's cost in CPU seconds, which the machine's load hardly changes.
 */
function analyze(file: string) {
  const samples = join(OUT, 'pg-cpu.txt');
  const db = new URL(DB_URL).pathname.slice(1);
  const poll = spawn(
    'sh',
    [
      '-c',
      `while :; do for p in $(pgrep -f '^postgres: .* ${db} '); do echo $p $(cut -d' ' -f14,15 /proc/$p/stat 2>/dev/null); done; sleep 0.2; done > '${samples}'`,
    ],
    { stdio: 'ignore' },
  );
  try {
    const r = timed(process.execPath, analyzeArgs(file));
    return { ...r, pgCpuSeconds: pgCpu(samples), result: JSON.parse(r.stdout) };
  } finally {
    poll.kill('SIGKILL');
  }
}

/** The backends' CPU seconds from the samples: each backend's last (largest) user + system ticks, summed. */
function pgCpu(samples: string): number {
  const ticks = new Map<string, number>();
  for (const line of readFileSync(samples, 'utf8').split('\n')) {
    const [pid, user, sys] = line.split(' ');
    if (sys !== undefined) ticks.set(pid, Math.max(ticks.get(pid) ?? 0, Number(user) + Number(sys)));
  }
  return +([...ticks.values()].reduce((a, b) => a + b, 0) / 100).toFixed(2); // USER_HZ = 100 on Linux
}

/**
 * The run over `n` worker processes (`CANDOR_ROLE=worker`, one task at a time each, as `npm run start:worker`
 * starts them), started and registered with the task queue before the clock starts; the CLI queues the run
 * and waits for it. Returns the CLI's wall time and the workers' peak RSS.
 */
async function distributed(file: string, n: number, pin = false) {
  const prefix = `candor-bench-${process.pid}-${n}`;
  const workerEnv = { ...env, QUEUE_PREFIX: prefix, CANDOR_ROLE: 'worker', ANALYSIS_WORKERS: '1' };
  const rss = Array.from({ length: n }, (_, i) => join(OUT, `worker-rss-${i}.txt`));
  const time = (f: string) => [
    '/usr/bin/time',
    '-f',
    '%M',
    '-o',
    f,
    process.execPath,
    '--max-old-space-size=256',
    MAIN,
  ];
  // taskset execs its command, so the child's pid is still time's (stopAll signals time's child)
  const workers = rss.map((f, i) =>
    pin
      ? spawn('taskset', ['-c', String(i % cpus().length), ...time(f)], { env: workerEnv, stdio: 'ignore' })
      : spawn(time(f)[0], time(f).slice(1), { env: workerEnv, stdio: 'ignore' }),
  );
  const queue = new Queue('analysis-tasks', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  try {
    const until = Date.now() + 120_000;
    while ((await queue.getWorkersCount()) < n) {
      if (Date.now() > until) throw new Error(`${n} workers did not start within 120 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = timed(process.execPath, [...analyzeArgs(file), '--distributed'], { QUEUE_PREFIX: prefix });
    return { ...r, result: JSON.parse(r.stdout), workerPeakRssMb: await stopAll(workers, rss) };
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** Stops the workers (SIGTERM to `time`'s child) and returns their peak RSS in MB. */
async function stopAll(workers: ChildProcess[], rss: string[]): Promise<number[]> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.once('exit', () => resolve());
          spawnSync('pkill', ['-TERM', '-P', String(w.pid)]);
        }),
    ),
  );
  return rss.map((f) => Math.round(Number(readFileSync(f, 'utf8').trim().split('\n').pop()) / 1024));
}
