import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { emptyTruth, generateLog, writeLog } from '../bench/log-generator';
import { createTestDatabase } from './helpers/db';
import { assertNoPhoneNumbersLogged } from './helpers/log-guard';

/* The compiled CLI (built by `npm test`'s pretest): the only path where scanners run in worker threads. */
const CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
const FROM = Date.UTC(2025, 10, 24);
const TO = FROM + 86_400_000;

describe('analyze and subscribers import, as commands', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let logFile: string;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        DATABASE_MIGRATE_ON_START: 'false',
        PSEUDONYM_KEY: 'test-pseudonym-key-0123456789',
        ANALYSIS_WORKERS: '2',
        LOG_FILE: logFile,
        QUEUE_PREFIX: `tc${Date.now()}`,
      },
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'candor-cli-'));
    logFile = join(dir, 'app.log');
  });
  afterAll(async () => {
    await db?.drop();
    assertNoPhoneNumbersLogged(logFile);
  });

  it('imports subscribers, then analyses two files in worker threads and prints the JSON keys', async () => {
    const rows = ['account_id,msisdn'];
    for (let i = 0; i < 50; i++) rows.push(`C-${i},0${7400000000 + i}`);
    writeFileSync(join(dir, 'subs.csv'), rows.join('\n') + '\n');
    const imported = cli('subscribers', 'import', join(dir, 'subs.csv'));
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ rows: 50, imported: 50, rejected: 0 });

    const opts = {
      start: FROM - 3600_000,
      end: TO + 3600_000,
      from: FROM,
      to: TO,
      subscriberBase: 7400000000,
      subscriberCount: 50,
      strangerShare: 0.2,
      partner: 'o2.co.uk',
    };
    const a = await writeLog(join(dir, 'a.log'), { ...opts, format: 'squid', lines: 3000, seed: 3 });
    const b = await writeLog(join(dir, 'b.jsonl.gz'), { ...opts, format: 'jsonl', lines: 2000, seed: 4 });
    const r = cli(
      'analyze',
      '--from',
      new Date(FROM).toISOString(),
      '--to',
      new Date(TO).toISOString(),
      '--partner',
      'o2.co.uk',
      '--json',
      join(dir, 'a.log'),
      join(dir, 'b.jsonl.gz'),
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\] 100%/); // the progress bar
    const out = JSON.parse(r.stdout);
    const distinct = new Set([...a.numbers.keys(), ...b.numbers.keys()]);
    expect(out).toMatchObject({
      runId: expect.any(String),
      linesRead: a.linesRead + b.linesRead,
      linesMalformed: a.linesMalformed + b.linesMalformed,
      exposures: a.exposures + b.exposures,
      partnerExposures: a.partnerExposures + b.partnerExposures,
      invalidValues: a.invalidValues + b.invalidValues,
      distinctMsisdns: distinct.size,
      matchedSubscribers: 50,
      unmatchedMsisdns: distinct.size - 50,
      firstSeen: expect.any(String),
      lastSeen: expect.any(String),
      topHosts: expect.arrayContaining([{ host: expect.any(String), count: expect.any(Number) }]),
    });
    // the files' checksums (hashed while the command loaded) are the files' own
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows: sums } = await c.query(
        `SELECT sha256 FROM analysis_files WHERE run_id = $1 ORDER BY ord`,
        [out.runId],
      );
      const sha = (f: string) =>
        createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex');
      expect(sums.map((r) => r.sha256)).toEqual([sha('a.log'), sha('b.jsonl.gz')]);
    } finally {
      await c.end();
    }
  });

  it('parses one gzip file on both threads (line-aligned chunks), CRLF and over-long lines included', () => {
    const truth = emptyTruth();
    const opts = {
      format: 'squid' as const,
      lines: 30_000, // ~7 MB inflated: several 2 MiB chunks, so both scanners get some
      seed: 5,
      start: FROM - 3600_000,
      end: TO + 3600_000,
      from: FROM,
      to: TO,
      subscriberBase: 7400000000,
      subscriberCount: 50,
      strangerShare: 0.2,
      partner: 'o2.co.uk',
    };
    const lines = [...generateLog(opts, truth)];
    // a line longer than a chunk, and one that fits a chunk but not a scanner's 1 MiB: both dropped
    lines.splice(10_000, 0, 'x'.repeat(5 << 20), '1764000000.000 ' + 'y'.repeat(1.5 * (1 << 20)));
    writeFileSync(join(dir, 'big.log.gz'), gzipSync(lines.join('\r\n'))); // no newline at the end
    const r = cli(
      'analyze',
      '--from',
      new Date(FROM).toISOString(),
      '--to',
      new Date(TO).toISOString(),
      '--partner',
      'o2.co.uk',
      '--json',
      join(dir, 'big.log.gz'),
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      linesRead: truth.linesRead,
      linesMalformed: truth.linesMalformed + 2,
      exposures: truth.exposures,
      partnerExposures: truth.partnerExposures,
      invalidValues: truth.invalidValues,
      distinctMsisdns: truth.distinct,
    });
  });

  it('exits 1 with a clear message for a file that is not a log', () => {
    writeFileSync(join(dir, 'notes.txt'), 'Meeting notes\nnothing to see\n');
    const r = cli(
      'analyze',
      '--from',
      new Date(FROM).toISOString(),
      '--to',
      new Date(TO).toISOString(),
      join(dir, 'notes.txt'),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`error: ${join(dir, 'notes.txt')}: not a gateway log this tool knows`);
    expect(r.stdout).toBe('');
  });
});
