import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { decideOnExisting } from './idempotency';
import { Conflict, Unprocessable } from './domain-error';

export interface StoredResponse {
  status: number;
  body: unknown;
}

const lockName = (scope: string, key: string) => `idempotency\n${scope}\n${key}`;

/**
 * Runs an operation at most once per (scope, key). The key row is claimed in its own short statement (so a
 * concurrent duplicate sees it at once and gets 409 instead of waiting), and marked done, with the response,
 * inside the operation's own transaction: the change and "this key is done" commit together or not at all.
 * A failed operation releases its key, so the client may retry with it.
 *
 * A request that dies mid-way (its process killed, its connection dropped) cannot release its key, so the
 * request's connection holds a session advisory lock on the key from before the claim until the end: the lock
 * goes with the connection, and a retry that gets the lock knows a "running" key's owner is gone and takes it
 * over at once (a retry that does not get it: the owner is alive, 409). Keys older than STALE_AFTER_SECONDS
 * are taken over in any case.
 */
@Injectable()
export class IdempotencyService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async run(
    scope: string,
    key: string,
    hash: string,
    work: (m: EntityManager) => Promise<StoredResponse>,
  ): Promise<StoredResponse & { replayed: boolean }> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    let locked = false;
    try {
      const [lock] = await qr.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got`, [
        lockName(scope, key),
      ]);
      locked = lock.got === true;
      const owner = await this.claim(qr, scope, key, hash, locked);
      if (typeof owner !== 'string') return { ...owner, replayed: true };
      try {
        return await qr.manager.transaction(async (m) => {
          const result = await work(m);
          const body = JSON.parse(JSON.stringify(result.body ?? null));
          const [, done] = await m.query(
            `UPDATE idempotency_keys SET status = 'done', response_status = $4, response_body = $5, updated_at = now()
             WHERE scope = $1 AND key = $2 AND owner = $3 AND status = 'running'`,
            [scope, key, owner, result.status, JSON.stringify(body)],
          );
          if (done !== 1) throw new Conflict('This Idempotency-Key was taken over by a retry');
          return { status: result.status, body, replayed: false };
        });
      } catch (e) {
        await qr.query(
          `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND owner = $3 AND status = 'running'`,
          [scope, key, owner],
        );
        throw e;
      }
    } finally {
      if (locked)
        await qr
          .query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [lockName(scope, key)])
          .catch(() => undefined); // a broken connection has lost the lock already
      await qr.release();
    }
  }

  /** Our owner token when this request may run; the stored response when it already ran. */
  private async claim(
    qr: QueryRunner,
    scope: string,
    key: string,
    hash: string,
    locked: boolean,
  ): Promise<string | StoredResponse> {
    const owner = randomUUID();
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await qr.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, owner, status) VALUES ($1, $2, $3, $4, 'running')
         ON CONFLICT DO NOTHING RETURNING 1`,
        [scope, key, hash, owner],
      );
      if (inserted.length) return owner;
      const [row] = await qr.query(
        `SELECT request_hash, status, owner, response_status, response_body,
                extract(epoch FROM now() - updated_at)::float AS age
         FROM idempotency_keys WHERE scope = $1 AND key = $2`,
        [scope, key],
      );
      if (!row) continue; // released by a failed first attempt between our two statements: try again
      let decision = decideOnExisting(
        { requestHash: row.request_hash, status: row.status, ageSeconds: row.age },
        hash,
      );
      // We hold the key's lock, so no live request does: the "running" row's request died.
      if (decision === 'in_progress' && locked) decision = 'take_over';
      switch (decision) {
        case 'mismatch':
          throw new Unprocessable(
            'This Idempotency-Key was already used with a different request; use a new key',
          );
        case 'replay':
          return { status: row.response_status, body: row.response_body };
        case 'in_progress':
          throw new Conflict('A request with this Idempotency-Key is still being processed; retry shortly');
        case 'take_over': {
          const [, n] = await qr.query(
            `UPDATE idempotency_keys SET owner = $4, updated_at = now()
             WHERE scope = $1 AND key = $2 AND owner = $3 AND status = 'running'`,
            [scope, key, row.owner, owner],
          );
          if (n === 1) return owner;
        }
      }
    }
    throw new Conflict('A request with this Idempotency-Key is still being processed; retry shortly');
  }
}
