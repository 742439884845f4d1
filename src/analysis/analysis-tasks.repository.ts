import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TaskProgress } from './report';
import { ScanCounts } from './scan-task';

export type TaskKind = 'scan' | 'checksum';

/** A task as planned: a file's checksum, or a scan of a file or of a byte range of it. */
export interface PlannedTask {
  kind: TaskKind;
  file: number;
  path: string;
  format: string;
  gzip: boolean;
  start: number;
  end: number;
}

/** A task a worker claimed. */
export interface ClaimedTask extends PlannedTask {
  runId: string;
  ord: number;
}

/** A task as the finish reads it: its counts and how long it ran. */
export interface FinishedTask {
  ord: number;
  kind: TaskKind;
  counts: ScanCounts | null;
  status: string;
  ms: number;
}

/**
 * The SQL of analysis_tasks (a run spread over worker processes), and the run's progress rolled up from it.
 * Byte offsets are bigint, read as numbers (`::float8`: exact up to 2^53 bytes).
 */
@Injectable()
export class AnalysisTasksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async isPlanned(runId: string): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM analysis_tasks WHERE run_id = $1 LIMIT 1`, [runId]);
    return rows.length > 0;
  }

  /** Records the plan in one statement, tasks numbered in order; a task already recorded is kept. */
  async insertPlan(runId: string, tasks: PlannedTask[]): Promise<void> {
    await this.db.query(
      `INSERT INTO analysis_tasks (run_id, ord, kind, file_ord, path, format, gzip, start_byte, end_byte)
       SELECT $1, ord, kind, file, path, format, gzip, start_byte, end_byte
       FROM jsonb_to_recordset($2::jsonb)
         AS t(ord int, kind text, file int, path text, format text, gzip boolean, start_byte bigint, end_byte bigint)
       ON CONFLICT DO NOTHING`,
      [runId, JSON.stringify(tasks.map((t, ord) => ({ ...t, ord, start_byte: t.start, end_byte: t.end })))],
    );
  }

  /** The tasks not done yet, in order. */
  open(runId: string): Promise<{ ord: number; kind: TaskKind }[]> {
    return this.db.query(
      `SELECT ord, kind FROM analysis_tasks WHERE run_id = $1 AND status <> 'done' ORDER BY ord`,
      [runId],
    );
  }

  async openCount(runId: string): Promise<number> {
    const [{ open }]: { open: number }[] = await this.db.query(
      `SELECT count(*) FILTER (WHERE status <> 'done')::int AS open FROM analysis_tasks WHERE run_id = $1`,
      [runId],
    );
    return open;
  }

  /** Claims a task of a running run for `worker` (again, after a worker died with it); null when not to run. */
  async claim(runId: string, ord: number, worker: string): Promise<ClaimedTask | null> {
    const [claimed]: [ClaimedTask[]] = await this.db.query(
      `UPDATE analysis_tasks t SET status = 'running', attempts = attempts + 1, worker = $3, started_at = now(), bytes_done = 0
       FROM analysis_runs r
       WHERE t.run_id = $1 AND t.ord = $2 AND t.status IN ('queued', 'running') AND r.id = t.run_id AND r.status = 'running'
       RETURNING t.run_id AS "runId", t.ord, t.kind, t.file_ord AS file, t.path, t.format, t.gzip,
                 t.start_byte::float8 AS start, t.end_byte::float8 AS "end"`,
      [runId, ord, worker],
    );
    return claimed[0] ?? null;
  }

  /** A task's output: its counts replace any earlier attempt's. */
  async markDone(runId: string, ord: number, counts: ScanCounts | null): Promise<void> {
    await this.db.query(
      `UPDATE analysis_tasks SET status = 'done', counts = $3, bytes_done = end_byte - start_byte, finished_at = now()
       WHERE run_id = $1 AND ord = $2`,
      [runId, ord, counts && JSON.stringify(counts)],
    );
  }

  async markFailed(runId: string, ord: number): Promise<void> {
    await this.db.query(`UPDATE analysis_tasks SET status = 'failed' WHERE run_id = $1 AND ord = $2`, [
      runId,
      ord,
    ]);
  }

  async saveBytesDone(runId: string, ord: number, bytes: number): Promise<void> {
    await this.db.query(`UPDATE analysis_tasks SET bytes_done = $3 WHERE run_id = $1 AND ord = $2`, [
      runId,
      ord,
      bytes,
    ]);
  }

  /** The run's bytes done: the sum of its scan tasks'. */
  async rollUpProgress(runId: string): Promise<void> {
    await this.db.query(
      `UPDATE analysis_runs SET bytes_done = LEAST(bytes_total, (SELECT COALESCE(sum(bytes_done), 0)
         FROM analysis_tasks WHERE run_id = $1 AND kind = 'scan')) WHERE id = $1`,
      [runId],
    );
  }

  /** The tasks in file order (file, then offset), with their counts and run time. */
  forFinish(runId: string): Promise<FinishedTask[]> {
    return this.db.query(
      `SELECT ord, kind, counts, status,
              (extract(epoch FROM finished_at - started_at) * 1000)::int AS ms
       FROM analysis_tasks WHERE run_id = $1 ORDER BY file_ord, start_byte, ord`,
      [runId],
    );
  }

  /** Each task's progress, for the run's summary. */
  progress(runId: string): Promise<TaskProgress[]> {
    return this.db.query(
      `SELECT ord AS task, kind, file_ord AS file, start_byte::float8 AS start, end_byte::float8 AS "end",
              status, attempts, bytes_done::float8 AS "bytesDone"
       FROM analysis_tasks WHERE run_id = $1 ORDER BY ord`,
      [runId],
    );
  }
}
