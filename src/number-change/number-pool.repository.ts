import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PoolState } from './pool-number.entity';

/** A number reserved for a request: its offer lapses at `reservedUntil`. */
export interface ReservedNumber {
  msisdn: string;
  reservedUntil: Date;
}

/**
 * The pool's SQL. Every state change is one conditional UPDATE, so the database, not the caller, decides
 * who gets a number when customers race for it. (An UPDATE through `m.query()` resolves to [rows, count].)
 */
@Injectable()
export class NumberPoolRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Adds numbers as available; ones already in the pool are left alone. Answers how many were added. */
  async insertAvailable(e164s: string[]): Promise<number> {
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO number_pool (msisdn, state) SELECT unnest($1::text[]), 'available'
       ON CONFLICT (msisdn) DO NOTHING RETURNING 1`,
      [e164s],
    );
    return inserted.length;
  }

  /**
   * Reserves up to `limit` available numbers for a request until `now` + `minutes`. SKIP LOCKED lets racing
   * customers take different rows. `suffixOf`: only numbers sharing at least two trailing digits with it,
   * the most shared first.
   */
  async reserve(
    m: EntityManager,
    requestId: string,
    limit: number,
    suffixOf: string | null,
    minutes: number,
    now: Date,
  ): Promise<ReservedNumber[]> {
    const [rows] = await m.query(
      `WITH picked AS (
         SELECT msisdn FROM number_pool
         WHERE state = 'available' AND ($3::text IS NULL OR right(msisdn, 2) = right($3::text, 2))
         ORDER BY CASE WHEN $3::text IS NULL THEN 0
                       ELSE (SELECT max(k) FROM generate_series(2, 6) k WHERE right(msisdn, k) = right($3::text, k))
                  END DESC, msisdn
         LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE number_pool p
       SET state = 'reserved', request_id = $1, reserved_until = $5::timestamptz + make_interval(mins => $4), updated_at = now()
       FROM picked WHERE p.msisdn = picked.msisdn AND p.state = 'available'
       RETURNING p.msisdn, p.reserved_until AS "reservedUntil"`,
      [requestId, limit, suffixOf, minutes, now],
    );
    return rows as ReservedNumber[];
  }

  /** Holds an offered, unexpired number for the request with no expiry; false when it is not (or no longer) offered. */
  async holdOffered(m: EntityManager, requestId: string, msisdn: string, now: Date): Promise<boolean> {
    const [rows] = await m.query(
      `UPDATE number_pool SET reserved_until = NULL, updated_at = now()
       WHERE msisdn = $1 AND state = 'reserved' AND request_id = $2 AND reserved_until > $3
       RETURNING 1`,
      [msisdn, requestId, now],
    );
    return (rows as unknown[]).length === 1;
  }

  offered(requestId: string, now: Date): Promise<ReservedNumber[]> {
    return this.db.query(
      `SELECT msisdn, reserved_until AS "reservedUntil" FROM number_pool
       WHERE request_id = $1 AND state = 'reserved' AND reserved_until > $2 ORDER BY msisdn`,
      [requestId, now],
    );
  }

  /** Unchosen offers of a request (those with an expiry) go back to the pool. */
  async releaseOffers(m: EntityManager, requestId: string): Promise<void> {
    await m.query(
      `UPDATE number_pool SET state = 'available', request_id = NULL, reserved_until = NULL, updated_at = now()
       WHERE request_id = $1 AND state = 'reserved' AND reserved_until IS NOT NULL`,
      [requestId],
    );
  }

  /** Everything a request holds, chosen or not, goes back to the pool. */
  async releaseAll(m: EntityManager, requestId: string): Promise<void> {
    await m.query(
      `UPDATE number_pool SET state = 'available', request_id = NULL, reserved_until = NULL, updated_at = now()
       WHERE request_id = $1 AND state = 'reserved'`,
      [requestId],
    );
  }

  /** The number held by the request becomes the subscriber's; false when the request does not hold it. */
  async assign(m: EntityManager, requestId: string, msisdn: string, subscriberId: string): Promise<boolean> {
    const [rows] = await m.query(
      `UPDATE number_pool SET state = 'assigned', assigned_to = $3, request_id = NULL, reserved_until = NULL,
         updated_at = now()
       WHERE msisdn = $1 AND state = 'reserved' AND request_id = $2 RETURNING 1`,
      [msisdn, requestId, subscriberId],
    );
    return (rows as unknown[]).length === 1;
  }

  /** A number given up is quarantined (in the pool or not yet) until `now` + `days`. */
  async quarantine(m: EntityManager, msisdn: string, days: number, now: Date): Promise<void> {
    await m.query(
      `INSERT INTO number_pool (msisdn, state, quarantined_until)
       VALUES ($1, 'quarantined', $3::timestamptz + make_interval(days => $2))
       ON CONFLICT (msisdn) DO UPDATE SET state = 'quarantined', quarantined_until = EXCLUDED.quarantined_until,
         assigned_to = NULL, request_id = NULL, reserved_until = NULL, updated_at = now()`,
      [msisdn, days, now],
    );
  }

  /** Offers lapsed by `now` return to the pool; answers how many. */
  async releaseLapsedOffers(now: Date): Promise<number> {
    const [, n] = await this.db.query(
      `UPDATE number_pool SET state = 'available', request_id = NULL, reserved_until = NULL, updated_at = now()
       WHERE state = 'reserved' AND reserved_until <= $1`,
      [now],
    );
    return n as number;
  }

  /** Quarantines ended by `now` return to the pool; answers how many. */
  async releaseEndedQuarantines(now: Date): Promise<number> {
    const [, n] = await this.db.query(
      `UPDATE number_pool SET state = 'available', quarantined_until = NULL, updated_at = now()
       WHERE state = 'quarantined' AND quarantined_until <= $1`,
      [now],
    );
    return n as number;
  }

  countsByState(): Promise<Array<{ state: PoolState; n: number }>> {
    return this.db.query(`SELECT state, count(*)::int AS n FROM number_pool GROUP BY state`);
  }
}
