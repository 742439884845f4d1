import { createHash } from 'node:crypto';

/*
 * Idempotency keys, as Stripe does them: the first request with a key runs; a repeat with the same body gets
 * the first response replayed; a repeat with a different body is refused (422); a repeat while the first is
 * still running is told to retry (409). The rows live in PostgreSQL, so this holds across API instances.
 */

/** A key that has been "running" this long belongs to a process that died; another request may take it over. */
export const STALE_AFTER_SECONDS = 120;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function keyProblem(key: string | undefined): string | null {
  if (key === undefined || key === '') return 'The Idempotency-Key header is required';
  if (!KEY_PATTERN.test(key)) return 'Idempotency-Key must be 1-255 visible ASCII characters';
  return null;
}

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What "the same request" means: same operation, same target, same body. */
export function requestHash(operation: string, body: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(body)).digest('hex');
}

export interface StoredKey {
  requestHash: string;
  status: 'running' | 'done';
  ageSeconds: number;
}

export type KeyDecision = 'replay' | 'mismatch' | 'in_progress' | 'take_over';

/** What to do with a request whose key is already stored. */
export function decideOnExisting(stored: StoredKey, hash: string): KeyDecision {
  if (stored.requestHash !== hash) return 'mismatch';
  if (stored.status === 'done') return 'replay';
  return stored.ageSeconds >= STALE_AFTER_SECONDS ? 'take_over' : 'in_progress';
}
