/** Where an analysis-run audience comes from (the analysis module provides it): SQL selecting subscriber_id. */
export abstract class AudienceSource {
  abstract matchedSubscribersQuery(runId: string): { sql: string; params: unknown[] };
  /** Throws (404/409) unless the run exists and has completed. */
  abstract assertCompleted(runId: string): Promise<void>;
}
