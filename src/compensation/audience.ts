/**
 * Where "the matched subscribers of an analysis run" come from: AnalysisService.matchedSubscribersQuery(runId)
 * (docs/CONTRIBUTING.md), which returns SQL selecting one column, subscriber_id. Injected under this token so
 * this module does not depend on the analysis module's internals; null until the analysis module provides it.
 */
export const MATCHED_SUBSCRIBERS = Symbol('MATCHED_SUBSCRIBERS');

export interface MatchedSubscribersSource {
  matchedSubscribersQuery(
    runId: string,
  ): { sql: string; params: unknown[] } | Promise<{ sql: string; params: unknown[] }>;
}
