import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { StoredKey } from './idempotency';

/** A stored key as a retry sees it (`ageSeconds`: since the row last changed, by the database's clock). */
export interface KeyRow extends StoredKey {
  owner: string;
  responseStatus: number;
  responseBody: unknown;
}

const lockName = (scope: string, key: string) => `idempotency\n${scope}\n${key}`;

/**
 * The SQL of `idempotency_keys` and the key's session advisory lock. Every method runs on the `m` it is
 * given: the request's own connection (the lock belongs to it) or the operation's transaction.
 */
@Injectable()
export class IdempotencyRepository {
  /** Takes the key's session lock if free; it goes with the connection if the request dies. */
  async tryLock(m: EntityManager, scope: string, key: string): Promise<boolean> {
    const [lock] = await m.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got`, [
      lockName(scope, key),
    ]);
    return (lock as { got: boolean }).got === true;
  }

  async unlock(m: EntityManager, scope: string, key: string): Promise<void> {
    await m.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [lockName(scope, key)]);
  }

  /** Claims a new key as running for `owner`; false when the key exists. */
  async insertRunning(
    m: EntityManager,
    scope: string,
    key: string,
    hash: string,
    owner: string,
  ): Promise<boolean> {
    const inserted: unknown[] = await m.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, owner, status) VALUES ($1, $2, $3, $4, 'running')
       ON CONFLICT DO NOTHING RETURNING 1`,
      [scope, key, hash, owner],
    );
    return inserted.length > 0;
  }

  async find(m: EntityManager, scope: string, key: string): Promise<KeyRow | null> {
    const [row] = await m.query(
      `SELECT request_hash AS "requestHash", status, owner, response_status AS "responseStatus",
              response_body AS "responseBody", extract(epoch FROM now() - updated_at)::float AS "ageSeconds"
       FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    return (row as KeyRow | undefined) ?? null;
  }

  /** Moves a running key from `from` to `to` (its owner died); false if someone else moved it first. */
  async takeOver(m: EntityManager, scope: string, key: string, from: string, to: string): Promise<boolean> {
    const [, n] = await m.query(
      `UPDATE idempotency_keys SET owner = $4, updated_at = now()
       WHERE scope = $1 AND key = $2 AND owner = $3 AND status = 'running'`,
      [scope, key, from, to],
    );
    return n === 1;
  }

  /** Marks our running key done with its response; false when a retry took it over meanwhile. */
  async markDone(
    m: EntityManager,
    scope: string,
    key: string,
    owner: string,
    response: { status: number; body: unknown },
  ): Promise<boolean> {
    const [, done] = await m.query(
      `UPDATE idempotency_keys SET status = 'done', response_status = $4, response_body = $5, updated_at = now()
       WHERE scope = $1 AND key = $2 AND owner = $3 AND status = 'running'`,
      [scope, key, owner, response.status, JSON.stringify(response.body)],
    );
    return done === 1;
  }

  /** Releases our running key (the operation failed), so the client may retry with it. */
  async release(m: EntityManager, scope: string, key: string, owner: string): Promise<void> {
    await m.query(
      `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND owner = $3 AND status = 'running'`,
      [scope, key, owner],
    );
  }
}
