/** The incidents queue: delayed publications (jobId = update id) and the periodic cadence tick (see JOBS). */
export const INCIDENTS_QUEUE = 'incidents';
