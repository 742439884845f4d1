/** The incidents queue: delayed publications (jobId = update id) and the periodic cadence tick. */
export const INCIDENTS_QUEUE = 'incidents';
export const PUBLISH_JOB = 'publish';
export const TICK_JOB = 'tick';
export interface PublishJob {
  updateId: string;
}
