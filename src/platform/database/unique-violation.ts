/**
 * True when `error` is PostgreSQL's unique_violation (SQLSTATE 23505), of `constraint` when given: the one
 * way to turn "the database refused a second one" into a domain answer (a TypeORM QueryFailedError or a pg
 * error both carry `code` and `constraint`).
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
