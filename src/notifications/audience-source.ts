/** Where an analysis-run audience comes from (the analysis module provides it): SQL selecting subscriber_id. */
export abstract class AudienceSource {
  abstract matchedSubscribersQuery(runId: string): { sql: string; params: unknown[] };
}
