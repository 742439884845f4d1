import type { EntityManager } from 'typeorm';
import type { Actor } from '../http/actor';

/** Writes the audit row (AuditService fits): platform names the shape, it imports no domain module. */
export interface AuditWriter {
  record(
    m: EntityManager,
    actor: Actor,
    entry: { action: string; targetType?: string; targetId?: string; summary?: Record<string, unknown> },
  ): Promise<void>;
}

/** A SET value written as SQL instead of a parameter (`now()`); a `?` in it stands for `value`. */
export class SqlValue {
  constructor(
    readonly sql: string,
    readonly value?: unknown,
  ) {}
}
export const sqlValue = (sql: string, value?: unknown) => new SqlValue(sql, value);

export interface StateChange<S extends string> {
  table: string;
  id: string;
  /** The state column: `status` unless told. */
  column?: string;
  /** The state(s) the row must still be in: two people acting at once cannot both win. */
  from: S | readonly S[];
  to: S;
  /** Other columns written with the move (column → value). */
  set?: Record<string, unknown>;
  /** A further condition on the row, SQL without parameters (`cutover_started_at IS NULL`). */
  where?: string;
  audit: {
    actor: Actor;
    action: string;
    targetType: string;
    /** The audited target when it is not the row itself (a text change is audited on its incident). */
    targetId?: string;
    summary?: Record<string, unknown>;
  };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The one way a state changes: `UPDATE table SET column = to, ... WHERE id = $1 AND column = ANY(from)`
 * and, when it moved the row, its audit row (`{ from, to, ...summary }`) in the same transaction `m`.
 * Answers whether it moved; the caller decides what a lost race means (a 409, or nothing to do).
 */
export async function changeState<S extends string>(
  m: EntityManager,
  audit: AuditWriter,
  change: StateChange<S>,
): Promise<boolean> {
  const column = change.column ?? 'status';
  const set = change.set ?? {};
  for (const name of [change.table, column, ...Object.keys(set)])
    if (!IDENTIFIER.test(name)) throw new Error(`changeState: not a column or table name: ${name}`);
  const from = typeof change.from === 'string' ? [change.from] : change.from;
  const params: unknown[] = [change.id, from, change.to];
  const assignments = [`${column} = $3`];
  for (const [name, value] of Object.entries(set)) {
    if (value instanceof SqlValue && value.value === undefined) {
      assignments.push(`${name} = ${value.sql}`);
      continue;
    }
    params.push(value instanceof SqlValue ? value.value : value);
    const ref = `$${params.length}`;
    assignments.push(`${name} = ${value instanceof SqlValue ? value.sql.replace('?', ref) : ref}`);
  }
  const [, moved] = await m.query(
    `UPDATE ${change.table} SET ${assignments.join(', ')}
     WHERE id = $1 AND ${column} = ANY($2)${change.where ? ` AND (${change.where})` : ''}`,
    params,
  );
  if (!moved) return false;
  await audit.record(m, change.audit.actor, {
    action: change.audit.action,
    targetType: change.audit.targetType,
    targetId: change.audit.targetId ?? change.id,
    summary: { from: change.from, to: change.to, ...change.audit.summary },
  });
  return true;
}
