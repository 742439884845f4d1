import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { decideOnExisting } from './idempotency';
import { Conflict, Unprocessable } from './domain-error';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * Runs an operation at most once per (scope, key). The key row is claimed in its own short statement (so a
 * concurrent duplicate sees it at once and gets 409 instead of waiting), and marked done, with the response,
 * inside the operation's own transaction: the change and "this key is done" commit together or not at all.
 * A failed operation releases its key, so the client may retry with it.
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
    const owner = await this.claim(scope, key, hash);
    if (typeof owner !== 'string') return { ...owner, replayed: true };
    try {
      return await this.db.transaction(async (m) => {
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
      await this.db.query(
        `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND owner = $3 AND status = 'running'`,
        [scope, key, owner],
      );
      throw e;
    }
  }

  /** Our owner token when this request may run; the stored response when it already ran. */
  private async claim(scope: string, key: string, hash: string): Promise<string | StoredResponse> {
    const owner = randomUUID();
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.db.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, owner, status) VALUES ($1, $2, $3, $4, 'running')
         ON CONFLICT DO NOTHING RETURNING 1`,
        [scope, key, hash, owner],
      );
      if (inserted.length) return owner;
      const [row] = await this.db.query(
        `SELECT request_hash, status, owner, response_status, response_body,
                extract(epoch FROM now() - updated_at)::float AS age
         FROM idempotency_keys WHERE scope = $1 AND key = $2`,
        [scope, key],
      );
      if (!row) continue; // released by a failed first attempt between our two statements: try again
      switch (
        decideOnExisting({ requestHash: row.request_hash, status: row.status, ageSeconds: row.age }, hash)
      ) {
        case 'mismatch':
          throw new Unprocessable(
            'This Idempotency-Key was already used with a different request; use a new key',
          );
        case 'replay':
          return { status: row.response_status, body: row.response_body };
        case 'in_progress':
          throw new Conflict('A request with this Idempotency-Key is still being processed; retry shortly');
        case 'take_over': {
          const [, n] = await this.db.query(
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
