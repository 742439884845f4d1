import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation } from '../platform/database/unique-violation';
import { AnalysisFile } from './analysis-file.entity';
import { AnalysisRun } from './analysis-run.entity';

/** A file of a new run's manifest (its checksum comes later). */
export type NewAnalysisFile = Pick<AnalysisFile, 'path' | 'size' | 'format' | 'gzip'>;

/** The SQL of analysis_runs and its manifest, analysis_files. Rows come back as the camelCase entities. */
@Injectable()
export class AnalysisRunsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records a queued run and its manifest in the caller's transaction. */
  async insert(m: EntityManager, run: Partial<AnalysisRun>, files: NewAnalysisFile[]): Promise<AnalysisRun> {
    const saved = await m.save(m.create(AnalysisRun, run));
    await m.insert(
      AnalysisFile,
      files.map((f, ord) => ({ runId: saved.id, ord, ...f, sha256: null })),
    );
    return saved;
  }

  find(id: string): Promise<AnalysisRun | null> {
    return this.db.getRepository(AnalysisRun).findOneBy({ id });
  }

  findOrFail(id: string): Promise<AnalysisRun> {
    return this.db.getRepository(AnalysisRun).findOneByOrFail({ id });
  }

  /** The latest runs first. */
  latest(limit: number): Promise<AnalysisRun[]> {
    return this.db.getRepository(AnalysisRun).find({ order: { createdAt: 'DESC' }, take: limit });
  }

  /** The run's manifest, in order. */
  files(runId: string): Promise<AnalysisFile[]> {
    return this.db.getRepository(AnalysisFile).find({ where: { runId }, order: { ord: 'ASC' } });
  }

  async setChecksum(runId: string, ord: number, sha256: string): Promise<void> {
    await this.db.getRepository(AnalysisFile).update({ runId, ord }, { sha256 });
  }

  /**
   * Sets the run key (a digest of its inputs and parameters): false when another run holds it (the unique
   * index on run_key decides).
   */
  async setKey(runId: string, key: string): Promise<boolean> {
    try {
      await this.db.query(`UPDATE analysis_runs SET run_key = $2 WHERE id = $1`, [runId, key]);
      return true;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      return false;
    }
  }

  /** The live (queued, running or completed) run holding `key`; null when none does. */
  async liveRunWithKey(key: string): Promise<string | null> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM analysis_runs WHERE run_key = $1 AND status IN ('queued', 'running', 'completed')`,
      [key],
    );
    return rows[0]?.id ?? null;
  }

  async saveBytesDone(runId: string, bytes: number): Promise<void> {
    await this.db.query(`UPDATE analysis_runs SET bytes_done = $2 WHERE id = $1`, [runId, bytes]);
  }

  /** Milliseconds since the run started, by the database's clock (the one that wrote started_at). */
  async msSinceStart(runId: string): Promise<number> {
    const [{ ms }]: { ms: number }[] = await this.db.query(
      `SELECT (extract(epoch FROM now() - started_at) * 1000)::int AS ms FROM analysis_runs WHERE id = $1`,
      [runId],
    );
    return ms;
  }

  /** The run whose results a run shows: itself, or for a duplicate the original; null for an unknown run. */
  async resultRunId(runId: string): Promise<string | null> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT COALESCE(duplicate_of, id) AS id FROM analysis_runs WHERE id = $1`,
      [runId],
    );
    return rows[0]?.id ?? null;
  }

  /** When the latest completed run finished; null when none has. */
  async lastCompletedAt(): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.db.query(
      `SELECT max(finished_at) AS at FROM analysis_runs WHERE status = 'completed'`,
    );
    return rows[0]?.at ?? null;
  }
}
