/** SQLSTATEs of a server that is going away or gave up on a statement (not a fault of the request). */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '57014', '53300', '08000', '08003', '08006']);
const UNAVAILABLE_TEXT =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connect ECONNREFUSED|read ECONNRESET|ECONNRESET|EPIPE|the database system is (starting up|shutting down)/i;

/**
 * Whether an error means "the database cannot be reached or does not answer" (connect/statement/query
 * timeouts, a connection cut, a server shutting down) rather than a bug or a bad request: callers answer 503.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let err = e as any, depth = 0; err && depth < 3; err = err.driverError ?? err.cause, depth++) {
    if (typeof err.code === 'string' && (UNAVAILABLE_STATES.has(err.code) || /^E(CONN|PIPE)/.test(err.code)))
      return true;
    if (typeof err.message === 'string' && UNAVAILABLE_TEXT.test(err.message)) return true;
  }
  return false;
}
