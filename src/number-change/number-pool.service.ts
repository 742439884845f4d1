import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../platform/http/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { SubscribersService } from '../subscribers/subscribers.service';
import { readPoolCsv, sharedSuffixLength } from './pool-csv';
import { PoolState } from './pool-number.entity';

export interface PoolImportReport {
  imported: number;
  duplicates: number;
  rejected: number;
  /** The first rejected rows with their reasons (all are counted in `rejected`). */
  errors: Array<{ line: number; reason: string }>;
}

export interface Offer {
  msisdn: string;
  reservedUntil: Date;
  /** Trailing digits shared with the customer's current number. */
  sharedDigits: number;
}

const BATCH = 1000;
const MAX_REPORTED_ERRORS = 100;

/**
 * The pool of numbers to hand out. Every state change is one conditional UPDATE, so the database, not
 * this code, decides who gets a number when customers race for it.
 */
@Injectable()
export class NumberPoolService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly subscribers: SubscribersService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Streams a CSV into the pool in batches; bad rows and numbers already in use are reported, not fatal. */
  async importCsv(input: Readable, actor: Actor): Promise<PoolImportReport> {
    const report: PoolImportReport = { imported: 0, duplicates: 0, rejected: 0, errors: [] };
    const reject = (line: number, reason: string) => {
      report.rejected++;
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, reason });
    };
    let batch: Array<{ line: number; e164: string }> = [];
    const flush = async () => {
      const inUse = await this.subscribers.numbersInUse(batch.map((r) => r.e164));
      for (const r of batch.filter((r) => inUse.has(r.e164)))
        reject(r.line, 'number belongs to a subscriber');
      const fresh = batch.filter((r) => !inUse.has(r.e164)).map((r) => r.e164);
      const inserted = await this.db.query(
        `INSERT INTO number_pool (msisdn, state) SELECT unnest($1::text[]), 'available'
         ON CONFLICT (msisdn) DO NOTHING RETURNING 1`,
        [fresh],
      );
      report.imported += inserted.length;
      report.duplicates += fresh.length - inserted.length;
      batch = [];
    };
    for await (const row of readPoolCsv(input, this.config.privacy.defaultCountry)) {
      if ('error' in row) reject(row.line, row.error);
      else batch.push(row);
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length) await flush();
    await this.db.transaction((m) =>
      this.audit.record(m, actor, {
        action: 'number_pool.import',
        targetType: 'number_pool',
        summary: { imported: report.imported, duplicates: report.duplicates, rejected: report.rejected },
      }),
    );
    return report;
  }

  /**
   * Reserves up to `count` available numbers for a request (releasing its earlier, unchosen offers).
   * SKIP LOCKED lets racing customers take different rows instead of queueing on the same ones.
   * `similarTo`: prefer numbers sharing the most trailing digits with it (at least two), then any.
   */
  async reserveOffers(m: EntityManager, requestId: string, similarTo: string | null): Promise<Offer[]> {
    const { offerCount, reservationMinutes } = this.config.numberChange;
    await this.releaseOffers(m, requestId);
    // (an UPDATE through m.query() resolves to [rows, count])
    const reserve = async (limit: number, suffixOf: string | null) =>
      (
        await m.query(
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
         RETURNING p.msisdn, p.reserved_until`,
          [requestId, limit, suffixOf, reservationMinutes, this.clock.now()],
        )
      )[0] as Array<{ msisdn: string; reserved_until: Date }>;
    const rows = similarTo ? await reserve(offerCount, similarTo) : [];
    if (rows.length < offerCount) rows.push(...(await reserve(offerCount - rows.length, null)));
    const offers = rows.map((r) => ({
      msisdn: r.msisdn,
      reservedUntil: r.reserved_until,
      sharedDigits: similarTo ? sharedSuffixLength(r.msisdn, similarTo) : 0,
    }));
    return offers.sort((a, b) => b.sharedDigits - a.sharedDigits || a.msisdn.localeCompare(b.msisdn));
  }

  /** The customer's choice: holds that number for the request (no expiry) and releases the other offers. */
  async holdChosen(m: EntityManager, requestId: string, msisdn: string): Promise<boolean> {
    const held = await m.query(
      `UPDATE number_pool SET reserved_until = NULL, updated_at = now()
       WHERE msisdn = $1 AND state = 'reserved' AND request_id = $2 AND reserved_until > $3
       RETURNING 1`,
      [msisdn, requestId, this.clock.now()],
    );
    if (held[0].length !== 1) return false;
    await this.releaseOffers(m, requestId);
    return true;
  }

  async currentOffers(requestId: string): Promise<Array<{ msisdn: string; reservedUntil: Date }>> {
    return this.db.query(
      `SELECT msisdn, reserved_until AS "reservedUntil" FROM number_pool
       WHERE request_id = $1 AND state = 'reserved' AND reserved_until > $2 ORDER BY msisdn`,
      [requestId, this.clock.now()],
    );
  }

  /** Unchosen offers of a request go back to the pool. */
  private releaseOffers(m: EntityManager, requestId: string): Promise<unknown> {
    return m.query(
      `UPDATE number_pool SET state = 'available', request_id = NULL, reserved_until = NULL, updated_at = now()
       WHERE request_id = $1 AND state = 'reserved' AND reserved_until IS NOT NULL`,
      [requestId],
    );
  }

  /** Everything a closed (rejected, cancelled, expired) request held goes back to the pool. */
  releaseAll(m: EntityManager, requestId: string): Promise<unknown> {
    return m.query(
      `UPDATE number_pool SET state = 'available', request_id = NULL, reserved_until = NULL, updated_at = now()
       WHERE request_id = $1 AND state = 'reserved'`,
      [requestId],
    );
  }

  /**
   * At cutover: the new number becomes the subscriber's, the old one is quarantined (never offered before
   * the quarantine ends). Throws if the new number is not held by this request, rolling the cutover back.
   */
  async assignAndQuarantine(
    m: EntityManager,
    requestId: string,
    subscriberId: string,
    newMsisdn: string,
    oldMsisdn: string,
  ): Promise<void> {
    const assigned = await m.query(
      `UPDATE number_pool SET state = 'assigned', assigned_to = $3, request_id = NULL, reserved_until = NULL,
         updated_at = now()
       WHERE msisdn = $1 AND state = 'reserved' AND request_id = $2 RETURNING 1`,
      [newMsisdn, requestId, subscriberId],
    );
    if (assigned[0].length !== 1)
      throw new Error(`number-change ${requestId}: the chosen number is not held`);
    await m.query(
      `INSERT INTO number_pool (msisdn, state, quarantined_until)
       VALUES ($1, 'quarantined', $3::timestamptz + make_interval(days => $2))
       ON CONFLICT (msisdn) DO UPDATE SET state = 'quarantined', quarantined_until = EXCLUDED.quarantined_until,
         assigned_to = NULL, request_id = NULL, reserved_until = NULL, updated_at = now()`,
      [oldMsisdn, this.config.numberChange.quarantineDays, this.clock.now()],
    );
  }

  /** Sweeper: lapsed offers and ended quarantines return to the pool. Safe to run anywhere, any time. */
  async releaseExpired(): Promise<{ reservations: number; quarantines: number }> {
    const [, reservations] = await this.db.query(
      `UPDATE number_pool SET state = 'available', request_id = NULL, reserved_until = NULL, updated_at = now()
       WHERE state = 'reserved' AND reserved_until <= $1`,
      [this.clock.now()],
    );
    const [, quarantines] = await this.db.query(
      `UPDATE number_pool SET state = 'available', quarantined_until = NULL, updated_at = now()
       WHERE state = 'quarantined' AND quarantined_until <= $1`,
      [this.clock.now()],
    );
    return { reservations, quarantines };
  }

  async summary(): Promise<Record<PoolState, number>> {
    const rows: Array<{ state: PoolState; n: number }> = await this.db.query(
      `SELECT state, count(*)::int AS n FROM number_pool GROUP BY state`,
    );
    const out: Record<PoolState, number> = { available: 0, reserved: 0, assigned: 0, quarantined: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }
}
