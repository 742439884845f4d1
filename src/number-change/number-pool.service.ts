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
import { NumberPoolRepository, ReservedNumber } from './number-pool.repository';
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
 * The pool of numbers to hand out. Every state change is one conditional UPDATE (in NumberPoolRepository),
 * so the database, not this code, decides who gets a number when customers race for it.
 */
@Injectable()
export class NumberPoolService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: NumberPoolRepository,
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
      const inserted = await this.repo.insertAvailable(fresh);
      report.imported += inserted;
      report.duplicates += fresh.length - inserted;
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
   * `similarTo`: prefer numbers sharing the most trailing digits with it (at least two), then any.
   */
  async reserveOffers(m: EntityManager, requestId: string, similarTo: string | null): Promise<Offer[]> {
    const { offerCount, reservationMinutes } = this.config.numberChange;
    await this.repo.releaseOffers(m, requestId);
    const reserve = (limit: number, suffixOf: string | null) =>
      this.repo.reserve(m, requestId, limit, suffixOf, reservationMinutes, this.clock.now());
    const rows = similarTo ? await reserve(offerCount, similarTo) : [];
    if (rows.length < offerCount) rows.push(...(await reserve(offerCount - rows.length, null)));
    const offers = rows.map((r) => ({
      msisdn: r.msisdn,
      reservedUntil: r.reservedUntil,
      sharedDigits: similarTo ? sharedSuffixLength(r.msisdn, similarTo) : 0,
    }));
    return offers.sort((a, b) => b.sharedDigits - a.sharedDigits || a.msisdn.localeCompare(b.msisdn));
  }

  /** The customer's choice: holds that number for the request (no expiry) and releases the other offers. */
  async holdChosen(m: EntityManager, requestId: string, msisdn: string): Promise<boolean> {
    if (!(await this.repo.holdOffered(m, requestId, msisdn, this.clock.now()))) return false;
    await this.repo.releaseOffers(m, requestId);
    return true;
  }

  currentOffers(requestId: string): Promise<ReservedNumber[]> {
    return this.repo.offered(requestId, this.clock.now());
  }

  /** Everything a closed (rejected, cancelled, expired) request held goes back to the pool. */
  releaseAll(m: EntityManager, requestId: string): Promise<void> {
    return this.repo.releaseAll(m, requestId);
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
    if (!(await this.repo.assign(m, requestId, newMsisdn, subscriberId)))
      throw new Error(`number-change ${requestId}: the chosen number is not held`);
    await this.repo.quarantine(m, oldMsisdn, this.config.numberChange.quarantineDays, this.clock.now());
  }

  /** Sweeper: lapsed offers and ended quarantines return to the pool. Safe to run anywhere, any time. */
  async releaseExpired(): Promise<{ reservations: number; quarantines: number }> {
    const reservations = await this.repo.releaseLapsedOffers(this.clock.now());
    const quarantines = await this.repo.releaseEndedQuarantines(this.clock.now());
    return { reservations, quarantines };
  }

  async summary(): Promise<Record<PoolState, number>> {
    const rows = await this.repo.countsByState();
    const out: Record<PoolState, number> = { available: 0, reserved: 0, assigned: 0, quarantined: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }
}
