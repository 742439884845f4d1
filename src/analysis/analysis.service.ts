import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../platform/config';
import { csvExport } from '../platform/database/copy-out';
import { AudiencePort } from '../subscribers/audience.port';
import { AnalysisFile } from './analysis-file.entity';
import { AnalysisInputError, inspectFile, outside, realOrNull } from './analysis-input';
import { AnalysisRunner, ProgressFn } from './analysis-runner.service';
import { AnalysisTasksService } from './analysis-tasks.service';
import { AnalysisRun, RunOptions } from './analysis-run.entity';
import { normalisePartner } from './detection';
import { LogFormat } from './formats';
import { RunSummary } from './report';
import { InputFile } from './scan-plan';
import { Conflict, InvalidInput, NotFound } from '../platform/http/domain-error';

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

@Injectable()
export class AnalysisService implements AudiencePort {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly runner: AnalysisRunner,
    private readonly tasks: AnalysisTasksService,
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
   * The log files staff may pick for a run: regular files directly in ANALYSIS_INPUT_DIR (no links, no
   * sub-folders), by name, with their size and time of last change; at most 1,000, by name.
   */
  async inputFiles(): Promise<Array<{ name: string; size: number; modifiedAt: string }>> {
    const dir = this.config.analysis.inputDir;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const files = entries
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort()
      .slice(0, 1000);
    return Promise.all(
      files.map(async (name) => {
        const st = await stat(resolve(dir, name));
        return { name, size: st.size, modifiedAt: st.mtime.toISOString() };
      }),
    );
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

  /** Creates a run and queues it, to be spread over the worker processes as tasks (`POST /analyses`). */
  async start(req: AnalysisRequest, actor: Actor): Promise<AnalysisRun> {
    const run = await this.create(req, actor);
    await this.tasks.enqueue(run.id);
    return run;
  }

  /**
   * Creates a run, queues it for the worker processes (any number, on any machine sharing the files and
   * ANALYSIS_SPILL_DIR) and waits for it to end (`analyze --distributed`); returns its summary.
   */
  async analyzeOnWorkers(req: AnalysisRequest, actor: Actor, onProgress?: ProgressFn): Promise<RunSummary> {
    const run = await this.start(req, actor);
    for (;;) {
      const s = await this.summary(run.id);
      onProgress?.(s.progress.bytesDone, s.progress.bytesTotal, s.linesRead);
      if (s.status === 'failed') throw new Error(`analysis ${run.id} failed: ${s.error}`);
      if (s.status !== 'queued' && s.status !== 'running') return s;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Creates and executes a run in this process (CLI, demo); returns its summary. */
  async analyze(req: AnalysisRequest, actor: Actor, onProgress?: ProgressFn): Promise<RunSummary> {
    const run = await this.create(req, actor);
    await this.runner.execute(run.id, onProgress);
    return this.summary(run.id);
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
      progress: {
        bytesDone: asked.bytesDone,
        bytesTotal: asked.bytesTotal,
        tasks: await this.tasks.progress(asked.id),
      },
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
