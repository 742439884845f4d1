import { copyFileSync, existsSync, mkdtempSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { emptyTruth, GenOptions, Truth, writeLog } from '../bench/log-generator';
import { SYSTEM_ACTOR } from '../src/platform/http/actor';
import { AnalysisInputError } from '../src/analysis/analysis-input';
import { AnalysisRunner } from '../src/analysis/analysis-runner.service';
import { matchesTable } from '../src/analysis/run-finish.repository';
import { AnalysisService } from '../src/analysis/analysis.service';
import { AudiencePort } from '../src/subscribers/audience.port';
import { CustomerSession } from '../src/identity/customer-session.entity';
import { newToken, sha256 } from '../src/identity/secrets';
import { Pseudonymiser } from '../src/platform/privacy';
import { SubscribersImportService } from '../src/subscribers/subscribers-import.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/eventually';
import { count, staffTokens } from './helpers/staff';

const DAY = 86_400_000;
const FROM = Date.UTC(2025, 10, 24);
const TO = FROM + 2 * DAY;
const SUBSCRIBERS = 300;
const BASE = 7400000000;
const actor = { ...SYSTEM_ACTOR, id: 'test' };

describe('exposure analysis', () => {
  let t: TestApp;
  let dir: string;
  let analyses: AnalysisService;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'candor-analysis-'));
    t = await startTestApp({
      ANALYSIS_INPUT_DIR: dir,
      ANALYSIS_WORKERS: '2',
      ANALYSIS_SPILL_DIR: join(dir, 'spill'),
    });
    analyses = t.get<AnalysisService>(AnalysisService);
    ({ tokens } = await staffTokens(t));
    const rows = ['account_id,msisdn,email,first_name,locale,plan'];
    for (let i = 0; i < SUBSCRIBERS; i++)
      rows.push(`ACC-${i},0${BASE + i},s${i}@example.com,Sub ${i},${i % 2 ? 'cy' : 'en'},basic`);
    writeFileSync(join(dir, 'subs.csv'), rows.join('\n') + '\n');
    const report = await t
      .get<SubscribersImportService>(SubscribersImportService)
      .importFile(join(dir, 'subs.csv'), actor);
    expect(report).toMatchObject({ rows: SUBSCRIBERS, imported: SUBSCRIBERS, rejected: 0 });
  });
  afterAll(() => t?.close());

  const gen = (
    format: GenOptions['format'],
    lines: number,
    seed: number,
    extra: Partial<GenOptions> = {},
  ): GenOptions => ({
    format,
    lines,
    seed,
    start: FROM - DAY / 4,
    end: TO + DAY / 4,
    from: FROM,
    to: TO,
    subscriberBase: BASE,
    subscriberCount: SUBSCRIBERS,
    strangerShare: 0.1,
    partner: 'o2.co.uk',
    ...extra,
  });

  async function expectTruth(files: string[], truth: Truth) {
    const s = await analyses.analyze(
      { files, from: new Date(FROM), to: new Date(TO), partners: ['o2.co.uk'] },
      actor,
    );
    const subscribersHit = [...truth.numbers.values()].filter((n) => n.subscriber).length;
    expect(s).toMatchObject({
      status: 'completed',
      linesRead: truth.linesRead,
      linesMalformed: truth.linesMalformed,
      exposures: truth.exposures,
      partnerExposures: truth.partnerExposures,
      invalidValues: truth.invalidValues,
      excluded: truth.excluded,
      distinctMsisdns: truth.distinct,
      matchedSubscribers: subscribersHit,
      unmatchedMsisdns: truth.distinct - subscribersHit,
    });
    // every matched number's count, first and last seen, found by its subscriber (one number each here: no
    // number has changed hands yet); numbers no subscriber has are only counted (distinct, unmatched above)
    const p = t.get<Pseudonymiser>(Pseudonymiser);
    const rows = await t.db.query(
      `SELECT s.msisdn_hmac, m.exposures, m.first_seen, m.last_seen FROM analysis_matches m
       JOIN subscribers s ON s.id = m.subscriber_id WHERE m.run_id = $1`,
      [s.runId],
    );
    expect(rows.length).toBe(subscribersHit);
    const byHmac = new Map(rows.map((r: any) => [r.msisdn_hmac, r]));
    for (const [e164, n] of truth.numbers) {
      const r: any = byHmac.get(p.pseudonym(e164));
      expect([e164.slice(-4), !!r]).toEqual([e164.slice(-4), n.subscriber]);
      if (r)
        expect([e164.slice(-4), Number(r.exposures), r.first_seen.getTime(), r.last_seen.getTime()]).toEqual([
          e164.slice(-4),
          n.count,
          n.first,
          n.last,
        ]);
    }
    const lasts = [...truth.numbers.values()].map((n) => n.last);
    expect(s.lastSeen).toBe(new Date(Math.max(...lasts)).toISOString());
    const firsts = [...truth.numbers.values()].map((n) => n.first);
    expect(s.firstSeen).toBe(new Date(Math.min(...firsts)).toISOString());
    return s;
  }

  it('proves the numbers for a generated Squid file whose truth the generator knows', async () => {
    const path = join(dir, 'gen.log');
    const truth = await writeLog(path, gen('squid', 4000, 7));
    expect(truth.exposures).toBeGreaterThan(1500);
    expect(Object.values(truth.excluded).every((n) => n > 0 || n === truth.excluded.not_forwarded)).toBe(
      true,
    );
    const s = await expectTruth([path], truth);
    expect(s.topHosts[0]).toEqual({ host: expect.any(String), count: expect.any(Number) });
    expect(s.malformedSamples.length).toBe(5);
  });

  it('stores exactly the same results when the merge outgrows its memory and spills to partitioned files, and when the scanners partition the exposures themselves', async () => {
    const path = join(dir, 'spill.log');
    const truth = await writeLog(path, gen('squid', 3000, 21));
    const req = { files: [path], from: new Date(FROM), to: new Date(TO), partners: ['o2.co.uk'] };
    const stored = async (runId: string) =>
      t.db.query(
        `SELECT subscriber_id, exposures, first_seen, last_seen, websites
         FROM analysis_matches WHERE run_id = $1 ORDER BY subscriber_id`,
        [runId],
      );
    const held = await expectTruth([path], truth);
    expect(held.timings).toMatchObject({ spilled: false, scanMs: expect.any(Number) });
    const heldRows = await stored(held.runId);
    expect(heldRows.some((r: any) => r.websites.length > 1)).toBe(true);
    // the same request again would reuse the held run: remove it first
    await t.db.query(`DELETE FROM analysis_runs WHERE id = $1`, [held.runId]);
    const spillDir = join(dir, 'tight-spill');
    // the run in an app of its own, with a spill setting; the spill files go with the run
    const analyzeWith = async (env: Record<string, string>) => {
      const app = await startTestApp(
        { ANALYSIS_INPUT_DIR: dir, ANALYSIS_WORKERS: '2', ANALYSIS_SPILL_DIR: spillDir, ...env },
        { dbUrl: t.dbUrl },
      );
      try {
        const r = await app.get<AnalysisService>(AnalysisService).analyze(req, actor);
        expect(r.timings).toMatchObject({ spilled: true });
        expect(await stored(r.runId)).toEqual(heldRows);
        expect(readdirSync(spillDir)).toEqual([]);
        // the same request again would reuse this run
        await t.db.query(`DELETE FROM analysis_runs WHERE id = $1`, [r.runId]);
        const { runId: _r, timings: _t, createdAt: _c, finishedAt: _f, ...rest } = r;
        return rest;
      } finally {
        await app.close();
      }
    };
    const { runId: _r, timings: _t, createdAt: _c, finishedAt: _f, ...want } = held;
    // the merge outgrows its budget at once and spills
    expect(await analyzeWith({ ANALYSIS_MERGE_BUDGET_MB: '0' })).toEqual(want);
    // the scanners partition the exposures themselves (an input past ANALYSIS_PARTITION_FROM_MB)
    expect(await analyzeWith({ ANALYSIS_PARTITION_FROM_MB: '0' })).toEqual(want);
  });

  it('reads gzip, CRLF JSON lines and ELFF in one run, summing the truths', async () => {
    const files = [join(dir, 'gen.jsonl.gz'), join(dir, 'gen-crlf.jsonl'), join(dir, 'gen.elff')];
    const truths = [
      await writeLog(files[0], gen('jsonl', 1500, 11)),
      await writeLog(files[1], gen('jsonl', 800, 12, { crlf: true })),
      await writeLog(files[2], gen('elff', 1200, 13)),
    ];
    const total = emptyTruth();
    for (const tr of truths) {
      total.linesRead += tr.linesRead;
      total.linesMalformed += tr.linesMalformed;
      total.exposures += tr.exposures;
      total.partnerExposures += tr.partnerExposures;
      total.invalidValues += tr.invalidValues;
      for (const k of Object.keys(total.excluded) as (keyof Truth['excluded'])[])
        total.excluded[k] += tr.excluded[k];
      for (const [e164, n] of tr.numbers) {
        const m = total.numbers.get(e164);
        if (!m) total.numbers.set(e164, { ...n });
        else
          Object.assign(m, {
            count: m.count + n.count,
            first: Math.min(m.first, n.first),
            last: Math.max(m.last, n.last),
          });
      }
    }
    total.distinct = total.numbers.size;
    expect(total.excluded.not_forwarded).toBeGreaterThan(0);
    await expectTruth(files, total);
  });

  it('is idempotent: the same files and parameters give the same run, stored once', async () => {
    const path = join(dir, 'gen.log');
    const req = { files: [path], from: new Date(FROM), to: new Date(TO), partners: ['O2.co.uk'] };
    const before = await count(t.db, `SELECT count(*) n FROM analysis_matches`);
    const again = await analyses.analyze(req, actor);
    expect(again.reusedRunId).toEqual(expect.any(String));
    expect(await count(t.db, `SELECT count(*) n FROM analysis_matches`)).toBe(before);
    // a different window is a different run
    const other = await analyses.analyze({ ...req, to: new Date(TO - DAY) }, actor);
    expect(other.reusedRunId).toBeUndefined();
    expect(other.exposures).toBeLessThan(again.exposures);
    expect(existsSync(join(dir, 'spill', again.runId))).toBe(false);
  });

  it("moves a run's status only along its machine, each move audited by the system (claim, duplicate, fail)", async () => {
    const moves = async (runId: string) =>
      (
        await t.db.query(
          `SELECT action, actor_type, summary FROM audit_events
           WHERE target_id = $1 AND action <> 'analysis.started' ORDER BY at, id`,
          [runId],
        )
      ).map((r: { action: string; actor_type: string; summary: { from?: unknown; to?: unknown } }) => [
        r.action,
        r.actor_type,
        r.summary.from ?? null,
        r.summary.to ?? null,
      ]);
    const req = {
      files: [join(dir, 'gen.log')],
      from: new Date(FROM),
      to: new Date(TO),
      partners: ['O2.co.uk'],
    };
    const dup = await analyses.analyze(req, actor);
    const [{ status, duplicate_of }] = await t.db.query(
      `SELECT status, duplicate_of FROM analysis_runs WHERE id = $1`,
      [dup.runId],
    );
    expect([status, duplicate_of]).toEqual(['duplicate', dup.reusedRunId]);
    expect(await moves(dup.runId)).toEqual([
      ['analysis.running', 'system', ['queued', 'running'], 'running'],
      ['analysis.duplicate', 'system', ['running'], 'duplicate'],
    ]);

    // an input gone before the scan: the run fails, audited once; a failed run is not claimed again
    copyFileSync(join(dir, 'gen.log'), join(dir, 'gone.log'));
    const run = await analyses.create(
      { ...req, files: [join(dir, 'gone.log')], to: new Date(TO - 1) },
      actor,
    );
    unlinkSync(join(dir, 'gone.log'));
    const runner = t.get<AnalysisRunner>(AnalysisRunner);
    await expect(runner.execute(run.id)).rejects.toThrow(/gone\.log/);
    await runner.execute(run.id);
    expect(await moves(run.id)).toEqual([
      ['analysis.running', 'system', ['queued', 'running'], 'running'],
      ['analysis.failed', 'system', ['queued', 'running'], 'failed'],
    ]);
    const [failed] = await t.db.query(`SELECT status, error FROM analysis_runs WHERE id = $1`, [run.id]);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('gone.log');
  });

  it('keeps its results consistent without row-level keys (statement triggers do their work)', async () => {
    const [{ run_id: runId, subscriber_id: subscriberId }] = await t.db.query(
      `SELECT m.run_id, m.subscriber_id FROM analysis_matches m
       JOIN analysis_runs r ON r.id = m.run_id AND r.status = 'completed' LIMIT 1`,
    );
    // a matched subscriber cannot be deleted from under an audience
    await expect(t.db.query(`DELETE FROM subscribers WHERE id = $1`, [subscriberId])).rejects.toThrow(
      /referenced by analysis results/,
    );
    // deleting a run deletes its results, and nothing else's
    const others = await count(t.db, `SELECT count(*) n FROM analysis_matches WHERE run_id <> '${runId}'`);
    expect(others).toBeGreaterThan(0);
    await t.db.query(`UPDATE analysis_runs SET duplicate_of = NULL WHERE duplicate_of = $1`, [runId]);
    await t.db.query(`DELETE FROM analysis_runs WHERE id = $1`, [runId]);
    expect(await count(t.db, `SELECT count(*) n FROM analysis_matches WHERE run_id = '${runId}'`)).toBe(0);
    expect(await count(t.db, `SELECT count(*) n FROM analysis_matches`)).toBe(others);
    // its table of matches is dropped with it
    expect((await t.db.query(`SELECT to_regclass($1) AS t`, [matchesTable(runId)]))[0].t).toBeNull();
  });

  it('handles empty files and refuses a file that is not a log, by name', async () => {
    writeFileSync(join(dir, 'empty.log'), '');
    writeFileSync(join(dir, 'empty.log.gz'), gzipSync(Buffer.alloc(0)));
    const s = await analyses.analyze(
      { files: [join(dir, 'empty.log'), join(dir, 'empty.log.gz')], from: new Date(FROM), to: new Date(TO) },
      actor,
    );
    expect(s).toMatchObject({ status: 'completed', linesRead: 0, exposures: 0, firstSeen: null });
    writeFileSync(join(dir, 'report.pdf'), '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n');
    await expect(
      analyses.analyze({ files: [join(dir, 'report.pdf')], from: new Date(FROM), to: new Date(TO) }, actor),
    ).rejects.toThrow(
      new AnalysisInputError(
        `${join(dir, 'report.pdf')}: not a gateway log this tool knows (the first line is neither Squid, ELFF nor JSON lines; use --format to say which)`,
      ),
    );
    await expect(
      analyses.analyze({ files: [join(dir, 'missing.log')], from: new Date(FROM), to: new Date(TO) }, actor),
    ).rejects.toThrow(/missing\.log: cannot read \(ENOENT\)/);
  });

  it('stores any host name as it was seen (quotes, commas, braces and backslashes survive the COPY)', async () => {
    const path = join(dir, 'hosts.log');
    const hosts = ['we"ird,host{x}', 'back\\slash.example', 'plain.example'];
    writeFileSync(
      path,
      hosts
        .map(
          (h, i) =>
            `${FROM / 1000 + 60 + i}.000    125 10.0.0.1 TCP_MISS/200 10 GET http://${h}/ - HIER_DIRECT/1.2.3.4 text/html "UA" "0${BASE + 7}"\n`,
        )
        .join(''),
    );
    const s = await analyses.analyze({ files: [path], from: new Date(FROM), to: new Date(TO) }, actor);
    // the subscriber's websites: every host, sorted as the database sorts text
    const [row] = await t.db.query(
      `SELECT websites, (SELECT array_agg(h ORDER BY h) FROM unnest($2::text[]) h) AS sorted
       FROM analysis_matches WHERE run_id = $1`,
      [s.runId, hosts],
    );
    expect(row.websites).toEqual(row.sorted);
    expect([...row.websites].sort()).toEqual([...hosts].sort());
    expect(s.topHosts.map((h) => h.host).sort()).toEqual([...hosts].sort());
  });

  it('still matches a subscriber whose number changed since (number history)', async () => {
    const path = join(dir, 'moved.log');
    const old = `0${BASE + 5}`;
    writeFileSync(
      path,
      `${FROM / 1000 + 60}.000    125 10.0.0.1 TCP_MISS/200 10 GET http://a.example.com/ - HIER_DIRECT/1.2.3.4 text/html "UA" "${old}"\n`,
    );
    writeFileSync(join(dir, 'move.csv'), `account_id,msisdn\nACC-5,07911123456\n`);
    expect(
      await t
        .get<SubscribersImportService>(SubscribersImportService)
        .importFile(join(dir, 'move.csv'), actor),
    ).toMatchObject({ updated: 1 });
    const s = await analyses.analyze({ files: [path], from: new Date(FROM), to: new Date(TO) }, actor);
    expect(s).toMatchObject({ exposures: 1, matchedSubscribers: 1 });
    const [row] = await t.db.transaction(async (m) => {
      const table = await t.get<AudiencePort>(AudiencePort).stageMatched(m, s.runId);
      return m.query(
        `SELECT s.account_id FROM subscribers s WHERE s.id IN (SELECT subscriber_id FROM ${table})`,
      );
    });
    expect(row.account_id).toBe('ACC-5');
  });

  it('runs over the API as a job, with report, subscriber page, CSV and the customer lookup', async () => {
    const log = (v: string, host = 'news.example.com') =>
      `${FROM / 1000 + 3600}.250    125 10.0.0.1 TCP_MISS/200 10 GET http://${host}/ - HIER_DIRECT/1.2.3.4 text/html "UA" "${v}"\n`;
    writeFileSync(
      join(dir, 'api.log'),
      log(`+44${BASE + 1}`) + log(`0${BASE + 1}`, 'shop.example.com') + log(`0044${BASE + 2}`),
    );
    const auth = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
    await t
      .http()
      .post('/analyses')
      .set(auth('comms'))
      .send({ files: ['api.log'], from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() })
      .expect(403);
    const bad = await t
      .http()
      .post('/analyses')
      .set(auth('supervisor'))
      .send({ files: ['../etc/passwd'], from: 'yesterday', to: new Date(TO).toISOString() })
      .expect(400);
    expect(bad.body.details.map((d: any) => d.field)).toEqual(['from']);
    await t
      .http()
      .post('/analyses')
      .set(auth('supervisor'))
      .send({
        files: ['../../etc/passwd'],
        from: new Date(FROM).toISOString(),
        to: new Date(TO).toISOString(),
      })
      .expect(400);
    const started = await t
      .http()
      .post('/analyses')
      .set(auth('supervisor'))
      .send({
        files: ['api.log'],
        from: new Date(FROM).toISOString(),
        to: new Date(TO).toISOString(),
        incidentId: 'INC-1',
      })
      .expect(201);
    const id = started.body.runId;
    // the run is planned into tasks (the file's checksum and its scan), which the worker takes, then finished
    const run = await eventually(
      async () => {
        const r = (await t.http().get(`/analyses/${id}`).set(auth('comms')).expect(200)).body;
        return r.status === 'completed' || r.status === 'failed' ? r : null;
      },
      60_000,
      'the queued run to end',
    );
    expect(run).toMatchObject({
      status: 'completed',
      error: null,
      exposures: 3,
      distinctMsisdns: 2,
      matchedSubscribers: 2,
      progress: { bytesDone: run.progress.bytesTotal },
    });
    expect(run.progress.tasks).toEqual([
      expect.objectContaining({ kind: 'checksum', status: 'done', attempts: 1 }),
      expect.objectContaining({
        kind: 'scan',
        status: 'done',
        attempts: 1,
        bytesDone: run.progress.bytesTotal,
      }),
    ]);

    const report = await t.http().get(`/analyses/${id}/report`).set(auth('comms')).expect(200);
    expect(report.text).toMatch(/distinct numbers exposed\s+2/);
    expect(report.text).toContain('Exposures per hour');

    await t.http().get(`/analyses/${id}/subscribers`).set(auth('comms')).expect(403);
    const page1 = await t.http().get(`/analyses/${id}/subscribers?limit=1`).set(auth('support')).expect(200);
    expect(page1.body.items).toHaveLength(1);
    const page2 = await t
      .http()
      .get(`/analyses/${id}/subscribers?limit=1&after=${page1.body.nextAfter}`)
      .set(auth('support'))
      .expect(200);
    expect(page2.body).toMatchObject({ items: [expect.any(Object)], nextAfter: null });
    const sub1 = [page1.body.items[0], page2.body.items[0]].find((i: any) => i.accountId === 'ACC-1');
    expect(sub1).toMatchObject({ exposures: 2, topHosts: ['news.example.com', 'shop.example.com'] });

    const csv = await t.http().get(`/analyses/${id}/subscribers.csv`).set(auth('admin')).expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.trim().split('\n')).toEqual([
      'subscriber_id,account_id,exposures,first_seen,last_seen',
      expect.stringMatching(/^[0-9a-f-]{36},ACC-1,2,2025-11-24T01:00:00.250Z,2025-11-24T01:00:00.250Z$/),
      expect.stringMatching(/^[0-9a-f-]{36},ACC-2,1,/),
    ]);
    expect(csv.text).not.toMatch(/7400000001/);
    expect(
      await count(
        t.db,
        `SELECT count(*) n FROM audit_events WHERE action IN ('analysis.started', 'analysis.exported') AND target_id = $1`,
        [id],
      ),
    ).toBe(2);

    // the customer sees their own exposure; another customer sees they are not affected
    const customer = async (accountId: string) => {
      const [s] = await t.db.query(`SELECT id FROM subscribers WHERE account_id = $1`, [accountId]);
      const token = newToken('customer');
      await t.db
        .getRepository(CustomerSession)
        .insert({ subscriberId: s.id, tokenHash: sha256(token), expiresAt: new Date(Date.now() + 600_000) });
      return { authorization: `Bearer ${token}` };
    };
    const mine = await t
      .http()
      .get('/customer/exposure')
      .set(await customer('ACC-1'))
      .expect(200);
    expect(mine.body).toMatchObject({
      analysed: true,
      affected: true,
      exposure: { count: 2, websites: ['news.example.com', 'shop.example.com'] },
    });
    await t
      .get<SubscribersService>(SubscribersService)
      .upsert({ accountId: 'QUIET-1', msisdn: '07911 123999' });
    const other = await t
      .http()
      .get('/customer/exposure')
      .set(await customer('QUIET-1'))
      .expect(200);
    expect(other.body).toMatchObject({ analysed: true, affected: false, exposure: null });
  });

  it('refuses bad subscriber rows with reasons and keeps the good ones', async () => {
    const csv = [
      'msisdn,account_id,first_name', // any column order, extra columns allowed
      '07911 200001,NEW-1,Ann',
      '07911 200002,,Bob', // missing id
      'not a number,NEW-3,Cat', // bad number
      '"07911 200001",NEW-4,Dan', // same number as NEW-1 in the file
      `0${BASE + 7},NEW-5,Eve`, // number already belongs to ACC-7
      '"broken,NEW-6,Fay', // unterminated quote
      '07911 200007,NEW-7,Gil',
      '07911 200008,NEW-7,Gil again', // same account twice: the last row wins
      '',
    ].join('\r\n');
    writeFileSync(join(dir, 'bad.csv'), csv);
    const r = await t
      .get<SubscribersImportService>(SubscribersImportService)
      .importFile(join(dir, 'bad.csv'), actor);
    expect(r).toMatchObject({
      rows: 8,
      imported: 2,
      updated: 0,
      rejected: 6,
      reasons: { missing_id: 1, bad_number: 1, bad_row: 1, duplicate_number: 2, duplicate_account: 1 },
    });
    expect(r.samples.map((s) => s.line)).toEqual([3, 4, 5, 6, 7, 8]);
    const [gil] = await t.db.query(`SELECT msisdn FROM subscribers WHERE account_id = 'NEW-7'`);
    expect(gil.msisdn).toBe('+447911200008');
    writeFileSync(join(dir, 'nohead.csv'), 'id,phone\n1,07911123456\n');
    await expect(
      t.get<SubscribersImportService>(SubscribersImportService).importFile(join(dir, 'nohead.csv'), actor),
    ).rejects.toThrow(/CSV header lacks account_id, msisdn/);
  });

  it('imports an optional ported_in_at column: refuses bad dates, keeps the stored one when the column is absent', async () => {
    const importer = t.get<SubscribersImportService>(SubscribersImportService);
    const load = (name: string, lines: string[]) => {
      writeFileSync(join(dir, name), lines.join('\n') + '\n');
      return importer.importFile(join(dir, name), actor);
    };
    const portedAt = async () =>
      Object.fromEntries(
        (
          await t.db.query(
            `SELECT account_id, ported_in_at FROM subscribers WHERE account_id LIKE 'PORT-%' ORDER BY 1`,
          )
        ).map((r: any) => [r.account_id, r.ported_in_at?.toISOString() ?? null]),
      );

    const first = [
      'account_id,msisdn,ported_in_at',
      'PORT-1,07911 200101,2025-11-20T10:00:00+01:00',
      'PORT-2,07911 200102,',
      'PORT-3,07911 200103,last tuesday',
      'PORT-4,07911 200104,2025-02-30',
      `PORT-5,07911 200105,${new Date(Date.now() + 3 * DAY).toISOString()}`, // in the future
    ];
    expect(await load('ported.csv', first)).toMatchObject({
      rows: 5,
      imported: 2,
      rejected: 3,
      reasons: { bad_ported_in_at: 3, bad_number: 0 },
      samples: [
        { line: 4, reason: 'bad_ported_in_at' },
        { line: 5, reason: 'bad_ported_in_at' },
        { line: 6, reason: 'bad_ported_in_at' },
      ],
    });
    expect(await portedAt()).toEqual({ 'PORT-1': '2025-11-20T09:00:00.000Z', 'PORT-2': null });
    // the same file again changes nothing
    expect(await load('ported.csv', first)).toMatchObject({ imported: 0, updated: 0, unchanged: 2 });

    // without the column a stored date stays, even when another field changes
    expect(
      await load('noport.csv', ['account_id,msisdn,first_name', 'PORT-1,07911 200101,Pat']),
    ).toMatchObject({ updated: 1 });
    expect((await portedAt())['PORT-1']).toBe('2025-11-20T09:00:00.000Z');

    // with it, a new date alone is an update, and an empty cell clears it
    expect(
      await load('reported.csv', [
        'account_id,msisdn,first_name,ported_in_at',
        'PORT-1,07911 200101,Pat,',
        'PORT-2,07911 200102,,2025-10-01',
      ]),
    ).toMatchObject({ updated: 2, unchanged: 0 });
    expect(await portedAt()).toEqual({ 'PORT-1': null, 'PORT-2': '2025-10-01T00:00:00.000Z' });

    // a new number without the column: the date described the old number
    expect(await load('renumber.csv', ['account_id,msisdn', 'PORT-2,07911 200112'])).toMatchObject({
      updated: 1,
    });
    expect((await portedAt())['PORT-2']).toBeNull();
  });
});
