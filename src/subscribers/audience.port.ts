import { EntityManager } from 'typeorm';

/**
 * An audience: a set of subscribers another module defines (today: the subscribers an analysis run matched).
 * The subscribers module owns this port; the analysis module implements it; notifications (campaign audiences)
 * and compensation (offer eligibility) consume it, incidents reads a run's counts for the regulator. No SQL text crosses a module line: the implementation
 * stages the subscriber ids in a temporary table of the caller's transaction and names it.
 */
export abstract class AudiencePort {
  /** Throws (not found / conflict) unless run `runId` exists and has completed. */
  abstract assertReady(runId: string): Promise<void>;
  /**
   * Stages the subscribers run `runId` matched in a temporary table with one column, `subscriber_id uuid`,
   * dropped when `manager`'s transaction ends, and returns its name. `manager` must be in a transaction.
   */
  abstract stageMatched(manager: EntityManager, runId: string): Promise<string>;
  /**
   * How many people and records a completed run found exposed (distinct numbers, exposures), or null when
   * the run is unknown or not completed: the breach's scope for the regulator (incidents).
   */
  abstract exposureCounts(runId: string): Promise<{ people: number; records: number } | null>;
}
