import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CopyOut, copyInWith } from '../platform/database/copy-in';
import { copyText } from '../platform/database/copy-text';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { Pseudonymiser } from '../platform/privacy';
import { AnalysisRun } from './analysis-run.entity';
import { ExposureMerger, NumberTotal, rankHosts } from './exposure-aggregator';
import { ScanCounts } from './scan-task';
import { loadPartition, PARTITIONS, partitionBuffer, partitionOf, Segment } from './spill-files';

/** The subscriber who last had a number that is no longer theirs (`n.msisdn_hmac`). */
const PAST_NUMBER_SQL = `(SELECT h.subscriber_id FROM subscriber_number_history h
  WHERE h.msisdn_hmac = n.msisdn_hmac ORDER BY h.valid_from DESC LIMIT 1)`;

/**
 * Writes a Postgres array literal of strings as COPY text (every element quoted, so any host name
 * round-trips). Elements are escaped once each through `cache`: a run's rows name the same hosts over and over.
 */
function writeTextArray(out: CopyOut, items: string[], cache: Map<string, string>): void {
  out.byte(0x7b); // {
  for (let i = 0; i < items.length; i++) {
    let e = cache.get(items[i]);
    if (e === undefined) cache.set(items[i], (e = copyText(`"${items[i].replace(/[\\"]/g, '\\$&')}"`)));
    if (i) out.byte(0x2c); // ,
    out.text(e);
  }
  out.byte(0x7d); // }
}

const TAB = 0x09;

/** One number's COPY row: pseudonym, exposures, first and last seen (ms), distinct hosts, top hosts. */
function writeRow(out: CopyOut, pseudonym: string, n: NumberTotal, hosts: Map<string, string>) {
  out.text(pseudonym).byte(TAB).int(n.exposures).byte(TAB).int(n.first).byte(TAB);
  out.int(n.last).byte(TAB).int(n.distinctHosts).byte(TAB);
  writeTextArray(out, n.topHosts, hosts);
  return out.endRow();
}

/** What a run's scan left to store: the merger's numbers whole, or its spill files (the merger then only lends its memory). */
export type ScanOutput = { merger: ExposureMerger; spill: Segment[] | null };

export interface PhaseTimes {
  checksumMs: number;
  scanMs: number;
  finishStarted: number;
}

/**
 * Connections that store a run's numbers at once, each a share of the partitions. One INSERT is one backend,
 * one core: two halves on two connections took 24 s where the whole took 43 s (955k numbers, 2 cores).
 */
export const FINISH_LANES = 2;

/** What one lane stored: its numbers, those with no subscriber, its first and last seen (null when empty). */
interface LaneTotals {
  distinct: string;
  unmatched: string;
  first: Date | null;
  last: Date | null;
}

/**
 * The end of a run: one final row per number into `analysis_numbers` and per subscriber into
 * `analysis_matches`, the run's totals, its audit row. The numbers arrive final (summed in memory, whole or
 * partition by partition from the spill files), so Postgres only joins and stores. The numbers go in over
 * FINISH_LANES connections at once, each a share of the partitions in its own transaction; then one
 * transaction adds the matches (a subscriber's numbers can fall in different partitions), the totals and the
 * audit row. Every reader of results goes through `analysis_matches` or the run's status, so a run's results
 * appear at once, complete; a finish that fails removes the numbers it stored (a retry starts clean too).
 */
@Injectable()
export class RunFinisher {
  private readonly log = new Logger(RunFinisher.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly pseudonymiser: Pseudonymiser,
  ) {}

  async finish(run: AnalysisRun, c: ScanCounts, out: ScanOutput, t: PhaseTimes): Promise<void> {
    const spilled = out.spill !== null;
    let numbersMs = 0;
    const timings = () => ({
      checksumMs: t.checksumMs,
      scanMs: t.scanMs,
      finishMs: Date.now() - t.finishStarted,
      numbersMs,
      spilled,
    });
    await this.clearResults(run.id); // an earlier attempt may have died between the two steps
    try {
      const hostTotals = new Map<string, number>();
      const hosts = new Map<string, string>();
      // the lanes' rows are made in this one thread, one lane's after the other's (they share the merger); a
      // lane's INSERT runs while the next lane's rows are made and copied
      let copying = Promise.resolve();
      const settled = await Promise.allSettled(
        Array.from({ length: FINISH_LANES }, (_, lane) => {
          const [from, to] = [(lane * PARTITIONS) / FINISH_LANES, ((lane + 1) * PARTITIONS) / FINISH_LANES];
          const rows = (w: CopyOut) =>
            out.spill
              ? this.writePartitions(w, out.merger, out.spill, hostTotals, hosts, from, to)
              : this.writeSorted(w, out.merger, hosts, from, to);
          return this.storeNumbers(run.id, spilled, (copy) => (copying = copying.then(() => copy(rows))));
        }),
      );
      // every lane has ended (committed or rolled back) before a failure clears what the others stored
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const lanes = settled.map((r) => (r as PromiseFulfilledResult<LaneTotals>).value);
      numbersMs = Date.now() - t.finishStarted;
      const topHosts = out.spill ? rankHosts([...hostTotals]) : out.merger.topHosts();
      await this.complete(run, c, lanes, topHosts, timings);
    } catch (e) {
      await this.clearResults(run.id).catch(() => undefined);
      throw e;
    }
    // where a run's time goes, for operators sizing the next one
    this.log.log(
      `analysis ${run.id} completed: ${c.linesRead} lines, ${c.exposures} exposures, ${JSON.stringify(timings())}`,
    );
  }

  private async clearResults(runId: string): Promise<void> {
    await this.db.query(`DELETE FROM analysis_matches WHERE run_id = $1`, [runId]);
    await this.db.query(`DELETE FROM analysis_numbers WHERE run_id = $1`, [runId]);
  }

  /**
   * One lane: its rows COPYed into a temp table when `copyTurn` lets it, then joined to subscribers and stored,
   * in a transaction of its own. Returns what it stored, counted from the inserted rows.
   */
  private storeNumbers(
    runId: string,
    spilled: boolean,
    copyTurn: (copy: (rows: (out: CopyOut) => Promise<void>) => Promise<void>) => Promise<void>,
  ): Promise<LaneTotals> {
    return this.db.transaction(async (m) => {
      // JIT compiling these statements costs about a second each and saves nothing on them
      await m.query(`SET LOCAL jit = off`);
      await m.query(`CREATE TEMP TABLE run_numbers (msisdn_hmac text NOT NULL, exposures bigint NOT NULL,
        first_ms bigint NOT NULL, last_ms bigint NOT NULL, distinct_hosts int NOT NULL, top_hosts text[] NOT NULL)
        ON COMMIT DROP`);
      await copyTurn((rows) => copyInWith(m, 'COPY run_numbers FROM STDIN', rows));
      // One index lookup per number, in pseudonym order: the lookups walk the subscriber index in order (3x
      // fewer page misses than in hash order) and the primary key grows at its right edge. The planner would
      // rather hash the whole subscriber table (a seq scan of millions of rows): 2-3x slower here.
      await m.query(`SET LOCAL enable_hashjoin = off`);
      await m.query(`SET LOCAL enable_mergejoin = off`);
      await m.query(`SET LOCAL work_mem = '128MB'`); // the sort of a spilled run's rows, in memory
      // held numbers arrive in pseudonym order; spilled ones in partition order, sorted here
      const source = spilled ? `(SELECT * FROM run_numbers ORDER BY msisdn_hmac)` : `run_numbers`;
      const [totals] = await m.query(
        `WITH n AS (
           INSERT INTO analysis_numbers (run_id, msisdn_hmac, exposures, first_seen, last_seen, distinct_hosts, top_hosts, subscriber_id)
           SELECT $1::uuid, n.msisdn_hmac, n.exposures, to_timestamp(n.first_ms / 1000.0), to_timestamp(n.last_ms / 1000.0),
                  n.distinct_hosts, n.top_hosts, COALESCE(s.id, ${PAST_NUMBER_SQL})
           FROM ${source} n LEFT JOIN subscribers s ON s.msisdn_hmac = n.msisdn_hmac
           RETURNING subscriber_id, first_seen, last_seen)
         SELECT count(*) AS distinct, count(*) FILTER (WHERE subscriber_id IS NULL) AS unmatched,
                min(first_seen) AS first, max(last_seen) AS last
         FROM n`,
        [runId],
      );
      return totals as LaneTotals;
    });
  }

  /** The matches per subscriber (from the stored numbers), the run's totals and its audit row, in one transaction. */
  private async complete(
    run: AnalysisRun,
    c: ScanCounts,
    lanes: LaneTotals[],
    topHosts: { host: string; count: number }[],
    timings: () => Record<string, unknown>,
  ): Promise<void> {
    const sum = (k: 'distinct' | 'unmatched') => lanes.reduce((n, l) => n + Number(l[k]), 0);
    const dates = (k: 'first' | 'last') => lanes.map((l) => l[k]).filter((d): d is Date => d !== null);
    const first = dates('first').sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
    const last = dates('last').sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
    await this.db.transaction(async (m) => {
      await m.query(`SET LOCAL jit = off`);
      await m.query(`SET LOCAL work_mem = '128MB'`); // the per-subscriber sums, in memory
      const [{ matched }] = await m.query(
        `WITH matched AS (
           INSERT INTO analysis_matches (run_id, subscriber_id, exposures, first_seen, last_seen)
           SELECT $1, subscriber_id, sum(exposures), min(first_seen), max(last_seen)
           FROM analysis_numbers WHERE run_id = $1 AND subscriber_id IS NOT NULL
           GROUP BY subscriber_id ORDER BY subscriber_id
           RETURNING 1)
         SELECT count(*) AS matched FROM matched`,
        [run.id],
      );
      const hours = Object.fromEntries(
        Object.entries(c.hours)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([h, n]) => [new Date(Number(h)).toISOString(), n]),
      );
      await m.query(
        `UPDATE analysis_runs r SET status = 'completed', finished_at = now(), bytes_done = bytes_total,
           lines_read = $2, lines_malformed = $3, exposures = $4, partner_exposures = $5, invalid_values = $6,
           excluded = $7, hours = $8, partner_hosts = $9, malformed_samples = $10, top_hosts = $11, timings = $12,
           distinct_msisdns = $13, unmatched_msisdns = $14, first_seen = $15, last_seen = $16, matched_subscribers = $17
         WHERE r.id = $1`,
        [
          run.id,
          c.linesRead,
          c.linesMalformed,
          c.exposures,
          c.partnerExposures,
          c.invalidValues,
          JSON.stringify(c.excluded),
          JSON.stringify(hours),
          JSON.stringify(c.partnerHosts),
          JSON.stringify(c.malformedSamples),
          JSON.stringify(topHosts),
          JSON.stringify(timings()),
          sum('distinct'),
          sum('unmatched'),
          first,
          last,
          matched,
        ],
      );
      await this.audit.record(m, SYSTEM_ACTOR, {
        action: 'analysis.completed',
        targetType: 'analysis_run',
        targetId: run.id,
        summary: { linesRead: c.linesRead, exposures: c.exposures },
      });
    });
  }

  /**
   * Writes the COPY rows of the numbers the merger holds in partitions [from, to), pseudonymised here, in
   * pseudonym order (only the pseudonyms and the order are held; rows go out as bytes).
   */
  private async writeSorted(
    out: CopyOut,
    merger: ExposureMerger,
    hosts: Map<string, string>,
    from: number,
    to: number,
  ): Promise<void> {
    const v = merger.view();
    const slots: number[] = [];
    for (let n = 0; n < v.size; n++) {
      const p = partitionOf(v.keys[n]);
      if (p >= from && p < to) slots.push(n);
    }
    const pseudonyms = slots.map((n) => this.pseudonymiser.pseudonym('+' + v.keys[n]));
    const order = Uint32Array.from(pseudonyms.keys()).sort((a, b) =>
      pseudonyms[a] < pseudonyms[b] ? -1 : 1,
    );
    let i = 0;
    for (const n of merger.totals(Array.from(order, (j) => slots[j]))) {
      const wait = writeRow(out, pseudonyms[order[i++]], n, hosts);
      if (wait) await wait;
    }
  }

  /**
   * The spilled numbers of partitions [from, to), one partition at a time: its records from every segment
   * summed in the merger, then its final rows (Postgres sorts them for the lookups). Adds each host's
   * exposures into `hostTotals`.
   */
  private async writePartitions(
    out: CopyOut,
    merger: ExposureMerger,
    segments: Segment[],
    hostTotals: Map<string, number>,
    hosts: Map<string, string>,
    from: number,
    to: number,
  ): Promise<void> {
    const buffer = partitionBuffer();
    for (let p = from; p < to; p++) {
      merger.clear();
      loadPartition(segments, p, merger, buffer);
      for (const [h, n] of merger.hostExposures()) hostTotals.set(h, (hostTotals.get(h) ?? 0) + n);
      // in the merger's order, each pseudonym made as its row is written: an array of a partition's
      // pseudonyms lived long enough to be promoted, and 64 of them piled up ~100 MB of old-space garbage
      for (const n of merger.totals()) {
        const wait = writeRow(out, this.pseudonymiser.pseudonym(n.msisdn), n, hosts);
        if (wait) await wait;
      }
    }
    merger.clear();
  }
}
