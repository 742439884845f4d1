/**
 * Where "the matched subscribers of an analysis run" come from: AnalysisService.matchedSubscribersQuery(runId)
 * (docs/CONTRIBUTING.md), which returns SQL selecting one column, subscriber_id. Injected under this token so
 * this module does not depend on the analysis module's internals; provided by the analysis module (AnalysisService).
 */
export const MATCHED_SUBSCRIBERS = Symbol('MATCHED_SUBSCRIBERS');

export interface MatchedSubscribersSource {
  matchedSubscribersQuery(
    runId: string,
  ): { sql: string; params: unknown[] } | Promise<{ sql: string; params: unknown[] }>;
  /** Throws (404/409) unless the run exists and has completed. */
  assertCompleted(runId: string): Promise<void>;
}
