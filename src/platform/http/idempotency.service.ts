import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { decideOnExisting } from './idempotency';
import { Conflict, Unprocessable } from './domain-error';
import { IdempotencyRepository } from './idempotency.repository';

export interface StoredResponse {
  status: number;
  body: unknown;
}

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
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly keys: IdempotencyRepository,
  ) {}

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
      locked = await this.keys.tryLock(qr.manager, scope, key);
      const owner = await this.claim(qr.manager, scope, key, hash, locked);
      if (typeof owner !== 'string') return { ...owner, replayed: true };
      try {
        return await qr.manager.transaction(async (m) => {
          const result = await work(m);
          const body = JSON.parse(JSON.stringify(result.body ?? null));
          if (!(await this.keys.markDone(m, scope, key, owner, { status: result.status, body })))
            throw new Conflict('This Idempotency-Key was taken over by a retry');
          return { status: result.status, body, replayed: false };
        });
      } catch (e) {
        await this.keys.release(qr.manager, scope, key, owner);
        throw e;
      }
    } finally {
      if (locked) await this.keys.unlock(qr.manager, scope, key).catch(() => undefined); // a broken connection has lost the lock already
      await qr.release();
    }
  }

  /** Our owner token when this request may run; the stored response when it already ran. */
  private async claim(
    m: EntityManager,
    scope: string,
    key: string,
    hash: string,
    locked: boolean,
  ): Promise<string | StoredResponse> {
    const owner = randomUUID();
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.keys.insertRunning(m, scope, key, hash, owner)) return owner;
      const row = await this.keys.find(m, scope, key);
      if (!row) continue; // released by a failed first attempt between our two statements: try again
      let decision = decideOnExisting(row, hash);
      // We hold the key's lock, so no live request does: the "running" row's request died.
      if (decision === 'in_progress' && locked) decision = 'take_over';
      switch (decision) {
        case 'mismatch':
          throw new Unprocessable(
            'This Idempotency-Key was already used with a different request; use a new key',
          );
        case 'replay':
          return { status: row.responseStatus, body: row.responseBody };
        case 'in_progress':
          throw new Conflict('A request with this Idempotency-Key is still being processed; retry shortly');
        case 'take_over': {
          if (await this.keys.takeOver(m, scope, key, row.owner, owner)) return owner;
        }
      }
    }
    throw new Conflict('A request with this Idempotency-Key is still being processed; retry shortly');
  }
}
