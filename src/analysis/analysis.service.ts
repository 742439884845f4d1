import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../platform/config';
import { copyIn } from '../platform/database/copy-in';
import { csvExport } from '../platform/database/copy-out';
import { copyText } from '../platform/database/copy-text';
import { DurableWork } from '../platform/queue/durable-work';
import { Pseudonymiser } from '../platform/privacy';
import { AudiencePort } from '../subscribers/audience.port';
import { mobilePlan } from '../platform/privacy/mobile-number';
import { AnalysisFile } from './analysis-file.entity';
import { AnalysisInputError, inspectFile, sha256File } from './analysis-input';
import { AnalysisRun, RunOptions } from './analysis-run.entity';
import { normalisePartner } from './detection';
import { LogFormat } from './formats';
import { RunSummary } from './report';
import { runScanPool } from './scan-pool';
import { InputFile, planScan } from './scan-plan';
import { ScanCounts } from './scan-task';
import { ExposureBatch, ExposureMerger } from './exposure-aggregator';
import { stagingRows } from './staging-rows';
import { Conflict, InvalidInput, NotFound } from '../platform/http/domain-error';
import { isUniqueViolation } from '../platform/database/unique-violation';

export const ANALYSIS_QUEUE = 'analysis';

/** Bytes done of total, and lines read so far. */
export type ProgressFn = (bytesDone: number, bytesTotal: number, lines: number) => void;

export interface AnalysisRequest {
  files: string[];
  from: Date;
  to: Date;
  partners?: string[];
  incidentId?: string | null;
  format?: LogFormat;
  squidLogformat?: string;
}

export interface SubscriberExposure {
  subscriberId: string;
  accountId: string;
  exposures: number;
  firstSeen: string;
  lastSeen: string;
  topHosts: string[];
}

/** The run's rows once matched: what other modules build audiences from (CONTRIBUTING "Analysis results"). */
const MATCHED_SQL = `SELECT m.subscriber_id FROM analysis_matches m
  WHERE m.run_id = (SELECT COALESCE(r.duplicate_of, r.id) FROM analysis_runs r WHERE r.id = $1)`;

/** The subscriber who last had a number that is no longer theirs (`n.msisdn_hmac`). */
const PAST_NUMBER_SQL = `(SELECT h.subscriber_id FROM subscriber_number_history h
  WHERE h.msisdn_hmac = n.msisdn_hmac ORDER BY h.valid_from DESC LIMIT 1)`;

/**
 * A Postgres array literal of strings as COPY text (every element quoted, so any host name round-trips).
 * Elements are escaped once each through `cache`: a run's rows name the same hosts over and over.
 */
function copyTextArray(items: string[], cache: Map<string, string>): string {
  let out = '{';
  for (let i = 0; i < items.length; i++) {
    let e = cache.get(items[i]);
    if (e === undefined) cache.set(items[i], (e = copyText(`"${items[i].replace(/[\\"]/g, '\\$&')}"`)));
    out += i ? ',' + e : e;
  }
  return out + '}';
}

@Injectable()
export class AnalysisService implements AudiencePort {
  private readonly log = new Logger(AnalysisService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly work: DurableWork,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly pseudonymiser: Pseudonymiser,
  ) {}

  /** The AudiencePort (subscribers): the subscribers run `runId` matched, staged in the caller's transaction. */
  async stageMatched(m: EntityManager, runId: string): Promise<string> {
    const table = `audience_${randomBytes(8).toString('hex')}`;
    await m.query(`CREATE TEMP TABLE ${table} (subscriber_id uuid NOT NULL) ON COMMIT DROP`);
    await m.query(`INSERT INTO ${table} (subscriber_id) ${MATCHED_SQL}`, [runId]);
    await m.query(`ANALYZE ${table}`);
    return table;
  }

  /** An audience may only come from a run that finished: 404 for an unknown run, 409 for an unfinished one. */
  async exposureCounts(runId: string): Promise<{ people: number; records: number } | null> {
    const run = await this.summary(runId).catch(() => null);
    if (!run || run.status !== 'completed') return null;
    return { people: Number(run.distinctMsisdns ?? 0), records: Number(run.exposures ?? 0) };
  }

  async assertReady(runId: string): Promise<void> {
    const { status } = await this.summary(runId);
    if (status !== 'completed') throw new Conflict(`analysis run ${runId} is ${status}, not completed`);
  }

  /**
   * Resolves names from the API against ANALYSIS_INPUT_DIR, refusing anything outside it, by name or by
   * where it really is: a symbolic link to /etc/passwd inside the folder is refused (issue 18, F9). The
   * real path is what gets opened. A missing file is passed on, for inspectFile to report.
   */
  serverFiles(names: string[]): string[] {
    const dir = this.config.analysis.inputDir;
    const realDir = realOrNull(dir) ?? dir;
    return names.map((n) => {
      const p = resolve(dir, n);
      if (outside(p, dir)) throw new InvalidInput(`${n}: outside the analysis input directory`);
      const real = realOrNull(p);
      if (real === null) return p;
      if (outside(real, realDir))
        throw new InvalidInput(`${n}: a link to a file outside the analysis input directory`);
      return real;
    });
  }

  /**
   * A server path as staff may see it: relative to the input folder, or only the file's name (issue 18,
   * F22: comms and support never see the server's layout).
   */
  displayPath(path: string): string {
    const dir = this.config.analysis.inputDir;
    for (const base of [realOrNull(dir) ?? dir, dir]) if (!outside(path, base)) return relative(base, path);
    return basename(path);
  }

  /** A message with the input folder's paths shortened as displayPath does. */
  displayText(text: string): string {
    const dir = this.config.analysis.inputDir;
    const real = realOrNull(dir) ?? dir;
    return [...new Set([real, dir])].reduce((t, d) => t.split(`${d}${sep}`).join(''), text);
  }

  /**
   * Checks the inputs and records a queued run with its manifest, audited in the same transaction.
   * Input problems (missing file, not a log, bad window) throw AnalysisInputError.
   */
  async create(req: AnalysisRequest, actor: Actor): Promise<AnalysisRun> {
    if (!req.files.length) throw new AnalysisInputError('no input files');
    if (!(req.from.getTime() < req.to.getTime())) throw new AnalysisInputError('from must be before to');
    let partners: string[];
    try {
      partners = [...new Set((req.partners ?? []).map(normalisePartner))].sort();
    } catch (e) {
      throw new AnalysisInputError((e as Error).message);
    }
    const files: InputFile[] = [];
    for (const f of req.files) files.push(await inspectFile(f, req.format));
    const options: RunOptions = {
      format: req.format,
      squidLogformat: req.squidLogformat,
      allowlist: this.config.analysis.headerAllowlist,
      country: this.config.privacy.defaultCountry,
    };
    return this.db.transaction(async (m) => {
      const run = await m.save(
        m.create(AnalysisRun, {
          status: 'queued',
          incidentId: req.incidentId ?? null,
          windowFrom: req.from,
          windowTo: req.to,
          partners,
          options,
          bytesTotal: files.reduce((n, f) => n + f.size, 0),
          createdBy: actor.id ?? null,
        }),
      );
      await m.insert(
        AnalysisFile,
        files.map((f, ord) => ({
          runId: run.id,
          ord,
          path: f.path,
          size: f.size,
          format: f.format,
          gzip: f.gzip,
          sha256: null,
        })),
      );
      await this.audit.record(m, actor, {
        action: 'analysis.started',
        targetType: 'analysis_run',
        targetId: run.id,
        summary: {
          files: files.length,
          bytes: run.bytesTotal,
          from: req.from,
          to: req.to,
          partners,
          incidentId: req.incidentId,
        },
      });
      return run;
    });
  }

  /** Creates a run and queues it for a worker (`POST /analyses`). */
  async start(req: AnalysisRequest, actor: Actor): Promise<AnalysisRun> {
    const run = await this.create(req, actor);
    await this.work.add('analysis.run', { data: { runId: run.id }, jobId: run.id });
    return run;
  }

  /** Creates and executes a run in this process (CLI, demo); returns its summary. */
  async analyze(req: AnalysisRequest, actor: Actor, onProgress?: ProgressFn): Promise<RunSummary> {
    const run = await this.create(req, actor);
    await this.execute(run.id, onProgress);
    return this.summary(run.id);
  }

  /**
   * Runs an analysis to completion. Idempotent: a finished run is left alone; a run interrupted half-way
   * starts again from a clean slate. A run whose inputs and parameters match a live run becomes a
   * `duplicate` pointing at it (the database's unique index on the manifest digest decides).
   */
  async execute(runId: string, onProgress?: ProgressFn): Promise<void> {
    // UPDATE through DataSource.query gives [rows, rowCount]
    const [claimed] = await this.db.query(
      `UPDATE analysis_runs SET status = 'running', started_at = now(), bytes_done = 0
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [runId],
    );
    if (!claimed.length) return;
    try {
      await this.clearPartial(runId);
      const run = await this.db.getRepository(AnalysisRun).findOneByOrFail({ id: runId });
      const files = await this.db
        .getRepository(AnalysisFile)
        .find({ where: { runId }, order: { ord: 'ASC' } });
      // The checksums (the run key) are read while the scan runs: both read the same files, and a
      // duplicate run is rare enough that its wasted scan costs less than hashing first on every run.
      const t0 = Date.now();
      let checksumMs = 0;
      const keyed = this.claimKey(run, files).finally(() => (checksumMs = Date.now() - t0));
      const [scanned, duplicate] = await Promise.allSettled([this.scan(run, files, onProgress), keyed]);
      const t1 = Date.now();
      if (duplicate.status === 'rejected') throw duplicate.reason;
      if (scanned.status === 'rejected') throw scanned.reason;
      if (duplicate.value) return this.clearPartial(runId);
      const { counts, merger, spilled } = scanned.value;
      await this.finish(run, counts, merger, spilled, {
        checksumMs,
        scanMs: t1 - t0,
        finishStarted: t1,
      });
    } catch (e) {
      await this.db.query(
        `UPDATE analysis_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
        [runId, (e as Error).message.slice(0, 1000)],
      );
      throw e;
    }
  }

  private async clearPartial(runId: string): Promise<void> {
    await this.db.query(`DELETE FROM analysis_staging WHERE run_id = $1`, [runId]);
    await this.db.query(`DELETE FROM analysis_matches WHERE run_id = $1`, [runId]);
    await this.db.query(`DELETE FROM analysis_numbers WHERE run_id = $1`, [runId]);
  }

  /** Hashes the files into the manifest and claims the run key; true when another live run holds it. */
  private async claimKey(run: AnalysisRun, files: AnalysisFile[]): Promise<boolean> {
    for (const f of files) {
      f.sha256 = await sha256File(f.path);
      await this.db.getRepository(AnalysisFile).update({ runId: f.runId, ord: f.ord }, { sha256: f.sha256 });
    }
    const key = createHash('sha256')
      .update(
        JSON.stringify({
          files: files.map((f) => f.sha256).sort(),
          from: run.windowFrom.toISOString(),
          to: run.windowTo.toISOString(),
          partners: run.partners,
          options: run.options,
        }),
      )
      .digest('hex');
    try {
      await this.db.query(`UPDATE analysis_runs SET run_key = $2 WHERE id = $1`, [run.id, key]);
      return false;
    } catch (e: any) {
      if (!isUniqueViolation(e)) throw e;
      await this.db.query(
        `UPDATE analysis_runs SET status = 'duplicate', finished_at = now(), bytes_done = bytes_total,
           duplicate_of = (SELECT id FROM analysis_runs WHERE run_key = $2 AND status IN ('queued', 'running', 'completed'))
         WHERE id = $1`,
        [run.id, key],
      );
      return true;
    }
  }

  /**
   * Scans every file in worker threads and merges their exposures here, per (number, host). When the merge
   * outgrows its memory budget, everything held is spilled to `analysis_staging` (keyed HMACs, never numbers),
   * the merger starts empty, and Postgres sums the spills at the finish. Batches are merged one after another;
   * while a spill is written the next wait, and so do the scanners (they wait for their batches' acks).
   */
  private async scan(
    run: AnalysisRun,
    files: AnalysisFile[],
    onProgress?: ProgressFn,
  ): Promise<{ counts: ScanCounts; merger: ExposureMerger; spilled: boolean }> {
    const tasks = planScan(
      files.map((f) => ({
        path: f.path,
        size: f.size,
        gzip: f.gzip,
        format: f.format as LogFormat | 'empty',
      })),
      this.config.analysis.workers,
    );
    const merger = new ExposureMerger(this.config.analysis.mergeBudgetMb << 20);
    let spilled = false;
    let merging = Promise.resolve();
    // Resolves once the batch is merged (and a spill it caused is written): the scanners' backpressure.
    const onBatch = (batch: ExposureBatch) =>
      (merging = merging.then(async () => {
        merger.addBatch(batch);
        if (merger.full) {
          spilled = true;
          await this.stage(run.id, merger);
        }
      }));
    let done = 0;
    let lines = 0;
    let saved = 0;
    let lastSave = Date.now();
    const counts = await runScanPool(
      tasks,
      {
        mobile: mobilePlan(run.options.country),
        allowlist: run.options.allowlist,
        squidLogformat: run.options.squidLogformat,
        from: run.windowFrom.getTime(),
        to: run.windowTo.getTime(),
        partners: run.partners,
        batchSize: 32_768, // 640 KB of typed arrays
      },
      this.config.analysis.workers,
      onBatch,
      (bytes, l) => {
        done += bytes;
        lines += l;
        onProgress?.(done, run.bytesTotal, lines);
        if (Date.now() - lastSave > 1000 && done !== saved) {
          lastSave = Date.now();
          saved = done;
          void this.db
            .query(`UPDATE analysis_runs SET bytes_done = $2 WHERE id = $1`, [run.id, done])
            .catch(() => undefined);
        }
      },
    ).finally(() => merging.catch(() => undefined)); // never leave a COPY running
    await merging;
    if (spilled) await this.stage(run.id, merger); // the rest joins the spilled part in Postgres
    onProgress?.(run.bytesTotal, run.bytesTotal, counts.linesRead);
    return { counts, merger, spilled };
  }

  /**
   * COPYs what the merger holds, (number, host) totals, into the staging table, numbers as keyed HMACs
   * (one per number), and empties the merger.
   */
  private async stage(runId: string, merger: ExposureMerger): Promise<void> {
    await copyIn(
      this.db,
      'COPY analysis_staging (run_id, msisdn_hmac, host, exposures, first_ms, last_ms) FROM STDIN',
      stagingRows(merger, runId, (n) => this.pseudonymiser.pseudonym(n)),
    );
    merger.clear();
  }

  /**
   * Stores one row per number, matched to a subscriber by current number, else by a past number. Held in
   * memory (the usual case) the numbers arrive final and only need their subscriber; spilled, Postgres
   * first sums the staged pairs.
   */
  private async finish(
    run: AnalysisRun,
    c: ScanCounts,
    merger: ExposureMerger,
    spilled: boolean,
    t: { checksumMs: number; scanMs: number; finishStarted: number },
  ): Promise<void> {
    const timings = () => ({
      checksumMs: t.checksumMs,
      scanMs: t.scanMs,
      finishMs: Date.now() - t.finishStarted,
      spilled,
    });
    await this.db.transaction(async (m) => {
      // JIT compiling these statements costs about a second each and saves nothing on them
      await m.query(`SET LOCAL jit = off`);
      let topHosts: { host: string; count: number }[];
      let numbers: string;
      if (spilled) ({ topHosts, numbers } = await this.prepareStaged(m, run.id));
      else {
        topHosts = merger.topHosts();
        numbers = await this.prepareHeld(m, merger);
      }
      // One statement stores the numbers, their subscribers' rows and the run's totals: each is computed
      // from the rows as they are inserted, not read back from the table.
      const [totals] = await m.query(
        `WITH n AS (
           INSERT INTO analysis_numbers (run_id, msisdn_hmac, exposures, first_seen, last_seen, distinct_hosts, top_hosts, subscriber_id)
           ${numbers}
           RETURNING subscriber_id, exposures, first_seen, last_seen),
         matched AS (
           INSERT INTO analysis_matches (run_id, subscriber_id, exposures, first_seen, last_seen)
           SELECT $1, subscriber_id, sum(exposures), min(first_seen), max(last_seen)
           FROM n WHERE subscriber_id IS NOT NULL GROUP BY subscriber_id ORDER BY subscriber_id
           RETURNING 1)
         SELECT count(*) AS distinct, count(*) FILTER (WHERE subscriber_id IS NULL) AS unmatched,
                min(first_seen) AS first, max(last_seen) AS last, (SELECT count(*) FROM matched) AS matched
         FROM n`,
        [run.id],
      );
      if (spilled) await m.query(`DELETE FROM analysis_staging WHERE run_id = $1`, [run.id]);
      const hours = Object.fromEntries(
        Object.entries(c.hours)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([h, n]) => [new Date(Number(h)).toISOString(), n]),
      );
      await m.query(
        `UPDATE analysis_runs r SET status = 'completed', finished_at = now(), bytes_done = bytes_total,
           lines_read = $2, lines_malformed = $3, exposures = $4, partner_exposures = $5, invalid_values = $6,
           excluded = $7, hours = $8, partner_hosts = $9, malformed_samples = $10, top_hosts = $11, timings = $12,
           distinct_msisdns = $13, unmatched_msisdns = $14, first_seen = $15, last_seen = $16, matched_subscribers = $17
         WHERE r.id = $1`,
        [
          run.id,
          c.linesRead,
          c.linesMalformed,
          c.exposures,
          c.partnerExposures,
          c.invalidValues,
          JSON.stringify(c.excluded),
          JSON.stringify(hours),
          JSON.stringify(c.partnerHosts),
          JSON.stringify(c.malformedSamples),
          JSON.stringify(topHosts),
          JSON.stringify(timings()),
          totals.distinct,
          totals.unmatched,
          totals.first,
          totals.last,
          totals.matched,
        ],
      );
      await this.audit.record(m, SYSTEM_ACTOR, {
        action: 'analysis.completed',
        targetType: 'analysis_run',
        targetId: run.id,
        summary: { linesRead: c.linesRead, exposures: c.exposures },
      });
    });
    // where a run's time goes, for operators sizing the next one
    this.log.log(
      `analysis ${run.id} completed: ${c.linesRead} lines, ${c.exposures} exposures, ${JSON.stringify(timings())}`,
    );
  }
  /**
   * The held numbers: pseudonymised here and COPYed once; returns the SELECT of their rows, joined to their
   * subscribers by index lookups (`$1` the run).
   */
  private async prepareHeld(m: EntityManager, merger: ExposureMerger): Promise<string> {
    // Rows go in pseudonym order: the subscriber lookups below then walk the index in order (3x fewer page
    // misses than in hash order) and the primary key grows at its right edge. Only the pseudonyms and the
    // order are held; each row is built as COPY takes it.
    const pseudonyms = Array.from(merger.numbers(), (n) => this.pseudonymiser.pseudonym(n));
    const order = Uint32Array.from(pseudonyms.keys()).sort((a, b) =>
      pseudonyms[a] < pseudonyms[b] ? -1 : 1,
    );
    const rows = (function* () {
      const hosts = new Map<string, string>();
      let i = 0;
      for (const n of merger.totals(order))
        yield `${pseudonyms[order[i++]]}\t${n.exposures}\t${n.first}\t${n.last}\t${n.distinctHosts}\t${copyTextArray(n.topHosts, hosts)}\n`;
    })();
    await m.query(`CREATE TEMP TABLE run_numbers (msisdn_hmac text NOT NULL, exposures bigint NOT NULL,
      first_ms bigint NOT NULL, last_ms bigint NOT NULL, distinct_hosts int NOT NULL, top_hosts text[] NOT NULL)
      ON COMMIT DROP`);
    await copyIn(m, 'COPY run_numbers FROM STDIN', rows);
    // One index lookup per number, in order. The planner would rather hash the whole subscriber table
    // (a seq scan of millions of rows) for anything over a few thousand numbers: 2-3x slower here.
    await m.query(`SET LOCAL enable_hashjoin = off`);
    await m.query(`SET LOCAL enable_mergejoin = off`);
    return `SELECT $1::uuid, n.msisdn_hmac, n.exposures, to_timestamp(n.first_ms / 1000.0), to_timestamp(n.last_ms / 1000.0),
              n.distinct_hosts, n.top_hosts, COALESCE(s.id, ${PAST_NUMBER_SQL})
       FROM run_numbers n LEFT JOIN subscribers s ON s.msisdn_hmac = n.msisdn_hmac`;
  }

  /** The spilled pairs: returns the run's top hosts and the SELECT of its rows, summed per number in Postgres. */
  private async prepareStaged(
    m: EntityManager,
    runId: string,
  ): Promise<{ topHosts: { host: string; count: number }[]; numbers: string }> {
    // millions of staged rows: hash them in memory rather than sort on disk
    await m.query(`SET LOCAL work_mem = '256MB'`);
    // Postgres cannot estimate how many numbers the nested GROUP BY yields (it guesses 200) and would
    // probe the subscriber index once per number, ~10 s for a million; one hash join over the
    // subscribers is 3-4 s. Fresh statistics size the (number, host) hash aggregate.
    await m.query(`SET LOCAL enable_nestloop = off`);
    await m.query(`ANALYZE analysis_staging`);
    const top = await m.query(
      `SELECT host, sum(exposures)::bigint AS count FROM analysis_staging WHERE run_id = $1
       GROUP BY host ORDER BY count DESC, host LIMIT 20`,
      [runId],
    );
    return {
      topHosts: top.map((t: { host: string; count: string }) => ({ host: t.host, count: Number(t.count) })),
      numbers: `SELECT $1::uuid, n.msisdn_hmac, n.n, to_timestamp(n.f / 1000.0), to_timestamp(n.l / 1000.0), n.hosts, n.top,
              COALESCE(s.id, ${PAST_NUMBER_SQL})
       FROM (SELECT msisdn_hmac, sum(n) n, min(f) f, max(l) l, count(*) hosts,
                    (array_agg(host ORDER BY n DESC, host))[1:5] top
             FROM (SELECT msisdn_hmac, host, sum(exposures) n, min(first_ms) f, max(last_ms) l
                   FROM analysis_staging WHERE run_id = $1 GROUP BY msisdn_hmac, host) p
             GROUP BY msisdn_hmac) n
       LEFT JOIN subscribers s ON s.msisdn_hmac = n.msisdn_hmac
       ORDER BY n.msisdn_hmac`,
    };
  }

  async list(limit = 50): Promise<RunSummary[]> {
    const runs = await this.db.getRepository(AnalysisRun).find({ order: { createdAt: 'DESC' }, take: limit });
    return Promise.all(runs.map((r) => this.summary(r.id)));
  }

  /** The run's summary; for a duplicate, the original's results under the duplicate's id. */
  async summary(runId: string): Promise<RunSummary> {
    const runs = this.db.getRepository(AnalysisRun);
    const asked = await runs.findOneBy({ id: runId });
    if (!asked) throw new NotFound('no such analysis run');
    const run = asked.duplicateOf ? await runs.findOneByOrFail({ id: asked.duplicateOf }) : asked;
    const files = await this.db
      .getRepository(AnalysisFile)
      .find({ where: { runId: asked.id }, order: { ord: 'ASC' } });
    return {
      runId: asked.id,
      status: asked.status === 'duplicate' ? run.status : asked.status,
      ...(asked.duplicateOf ? { reusedRunId: run.id } : {}),
      incidentId: asked.incidentId,
      window: { from: asked.windowFrom.toISOString(), to: asked.windowTo.toISOString() },
      partners: asked.partners,
      files: files.map((f) => ({
        path: this.displayPath(f.path),
        size: f.size,
        sha256: f.sha256,
        format: f.format,
        gzip: f.gzip,
      })),
      linesRead: run.linesRead,
      linesMalformed: run.linesMalformed,
      exposures: run.exposures,
      partnerExposures: run.partnerExposures,
      invalidValues: run.invalidValues,
      distinctMsisdns: run.distinctMsisdns,
      matchedSubscribers: run.matchedSubscribers,
      unmatchedMsisdns: run.unmatchedMsisdns,
      firstSeen: run.firstSeen?.toISOString() ?? null,
      lastSeen: run.lastSeen?.toISOString() ?? null,
      topHosts: run.topHosts,
      excluded: run.excluded,
      partnerHosts: run.partnerHosts,
      hours: run.hours,
      malformedSamples: run.malformedSamples,
      progress: { bytesDone: asked.bytesDone, bytesTotal: asked.bytesTotal },
      timings: run.timings,
      error: asked.error,
      createdAt: asked.createdAt.toISOString(),
      finishedAt: asked.finishedAt?.toISOString() ?? null,
    };
  }

  private async resultRunId(runId: string): Promise<string> {
    const rows = await this.db.query(
      `SELECT COALESCE(duplicate_of, id) AS id FROM analysis_runs WHERE id = $1`,
      [runId],
    );
    if (!rows.length) throw new NotFound('no such analysis run');
    return rows[0].id;
  }

  /** Matched subscribers, keyset-paged by subscriber id, with the viewing audited (it lists people). */
  async subscribers(
    runId: string,
    page: { after?: string; limit?: number },
    actor: Actor,
  ): Promise<{ items: SubscriberExposure[]; nextAfter: string | null }> {
    const id = await this.resultRunId(runId);
    const limit = page.limit ?? 100;
    return this.db.transaction(async (m) => {
      const rows = await m.query(
        `SELECT m.subscriber_id, s.account_id, m.exposures, m.first_seen, m.last_seen,
                (SELECT array_agg(DISTINCT h) FROM analysis_numbers n, unnest(n.top_hosts) h
                 WHERE n.run_id = m.run_id AND n.subscriber_id = m.subscriber_id) AS top_hosts
         FROM analysis_matches m JOIN subscribers s ON s.id = m.subscriber_id
         WHERE m.run_id = $1 AND ($2::uuid IS NULL OR m.subscriber_id > $2)
         ORDER BY m.subscriber_id LIMIT $3`,
        [id, page.after ?? null, limit + 1],
      );
      await this.audit.record(m, actor, {
        action: 'analysis.subscribers_viewed',
        targetType: 'analysis_run',
        targetId: runId,
        summary: { after: page.after ?? null, count: Math.min(rows.length, limit) },
      });
      const items = rows.slice(0, limit).map((r: any) => this.exposureRow(r));
      return { items, nextAfter: rows.length > limit ? items[items.length - 1].subscriberId : null };
    });
  }

  private exposureRow(r: any): SubscriberExposure {
    return {
      subscriberId: r.subscriber_id,
      accountId: r.account_id,
      exposures: Number(r.exposures),
      firstSeen: new Date(r.first_seen).toISOString(),
      lastSeen: new Date(r.last_seen).toISOString(),
      topHosts: r.top_hosts ?? [],
    };
  }

  /**
   * CSV of the matched subscribers (no phone numbers: account and subscriber ids identify them), streamed
   * with COPY TO so it costs the same memory for ten rows or ten million. The export is audited first.
   */
  async exportCsv(runId: string, actor: Actor): Promise<Readable> {
    const id = await this.resultRunId(runId);
    await this.db.transaction((m) =>
      this.audit.record(m, actor, {
        action: 'analysis.exported',
        targetType: 'analysis_run',
        targetId: runId,
      }),
    );
    return csvExport(
      this.db,
      `SELECT m.subscriber_id, s.account_id, m.exposures,
        to_char(m.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS first_seen,
        to_char(m.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_seen
      FROM analysis_matches m JOIN subscribers s ON s.id = m.subscriber_id
      WHERE m.run_id = $1 ORDER BY s.account_id`,
      [id],
    );
  }

  /**
   * "Am I affected?" for one subscriber: from completed runs only, their own figures only. Affected when
   * any completed run matched them; the details come from the latest such run.
   */
  async customerExposure(subscriberId: string) {
    const latest = await this.db.query(
      `SELECT max(finished_at) AS at FROM analysis_runs WHERE status = 'completed'`,
    );
    const checkedAt: Date | null = latest[0]?.at ?? null;
    if (!checkedAt) return { analysed: false, affected: false, checkedAt: null, exposure: null };
    const rows = await this.db.query(
      `SELECT m.run_id, m.exposures, m.first_seen, m.last_seen,
              (SELECT array_agg(DISTINCT h) FROM analysis_numbers n, unnest(n.top_hosts) h
               WHERE n.run_id = m.run_id AND n.subscriber_id = m.subscriber_id) AS websites
       FROM analysis_matches m JOIN analysis_runs r ON r.id = m.run_id
       WHERE m.subscriber_id = $1 AND r.status = 'completed'
       ORDER BY r.finished_at DESC LIMIT 1`,
      [subscriberId],
    );
    const r = rows[0];
    return {
      analysed: true,
      affected: !!r,
      checkedAt: new Date(checkedAt).toISOString(),
      exposure: r
        ? {
            count: Number(r.exposures),
            firstSeen: new Date(r.first_seen).toISOString(),
            lastSeen: new Date(r.last_seen).toISOString(),
            websites: r.websites ?? [],
          }
        : null,
    };
  }
}

function outside(path: string, base: string): boolean {
  const rel = relative(base, path);
  return rel.startsWith('..') || isAbsolute(rel);
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}
