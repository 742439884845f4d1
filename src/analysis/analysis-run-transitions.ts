import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { changeState, sqlValue } from '../platform/state/state-change';
import { analysisRunMachine, RunEvent } from './analysis-run-state';

/**
 * The writer of a run's `status` on the workers' side: the machine applied with `changeState` (conditional
 * UPDATE and its audit row, by the system, in one transaction). Each answers whether the run moved.
 */
@Injectable()
export class AnalysisRunTransitions {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Claims a queued (or interrupted) run. `restart`: scanned here from the start, its clock and progress
   * start again; otherwise (planned into tasks) the time it first started is kept.
   */
  claim(runId: string, restart: boolean): Promise<boolean> {
    return this.move(
      runId,
      'claim',
      restart
        ? { started_at: sqlValue('now()'), bytes_done: 0 }
        : { started_at: sqlValue('COALESCE(started_at, now())') },
    );
  }

  /** A queued or running run failed: its error (the first 1,000 characters) is kept on the run. */
  fail(runId: string, e: Error): Promise<boolean> {
    return this.move(runId, 'fail', { error: e.message.slice(0, 1000), finished_at: sqlValue('now()') });
  }

  /** The run repeats live run `original` (null when that one ended meanwhile): its results are the original's. */
  duplicate(runId: string, original: string | null): Promise<boolean> {
    return this.move(runId, 'duplicate', {
      finished_at: sqlValue('now()'),
      bytes_done: sqlValue('bytes_total'),
      duplicate_of: original,
    });
  }

  /**
   * A running run completed, in the finish's transaction `m` (with its matches): its totals `set` (columns),
   * its end, and the audit row with `summary`. False when the run was no longer running.
   */
  complete(
    m: EntityManager,
    runId: string,
    set: Record<string, unknown>,
    summary: Record<string, unknown>,
  ): Promise<boolean> {
    return changeState(m, this.audit, {
      table: 'analysis_runs',
      id: runId,
      from: analysisRunMachine.from('complete'),
      to: 'completed',
      set: { ...set, finished_at: sqlValue('now()'), bytes_done: sqlValue('bytes_total') },
      audit: { actor: SYSTEM_ACTOR, action: 'analysis.completed', targetType: 'analysis_run', summary },
    });
  }

  private move(runId: string, event: RunEvent, set: Record<string, unknown>): Promise<boolean> {
    const from = analysisRunMachine.from(event);
    const to = analysisRunMachine.next(from[0], event)!;
    return this.db.transaction((m) =>
      changeState(m, this.audit, {
        table: 'analysis_runs',
        id: runId,
        from,
        to,
        set,
        audit: { actor: SYSTEM_ACTOR, action: `analysis.${to}`, targetType: 'analysis_run' },
      }),
    );
  }
}
