import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { copyIn } from '../platform/database/copy-in';
import { copyText } from '../platform/database/copy-text';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { Pseudonymiser } from '../platform/privacy';
import { AnalysisRun } from './analysis-run.entity';
import { ExposureMerger, rankHosts } from './exposure-aggregator';
import { ScanCounts } from './scan-task';
import { loadPartition, PARTITIONS, partitionBuffer, Segment } from './spill-files';

/** The subscriber who last had a number that is no longer theirs (`n.msisdn_hmac`). */
const PAST_NUMBER_SQL = `(SELECT h.subscriber_id FROM subscriber_number_history h
  WHERE h.msisdn_hmac = n.msisdn_hmac ORDER BY h.valid_from DESC LIMIT 1)`;

/**
 * A Postgres array literal of strings as COPY text (every element quoted, so any host name round-trips).
 * Elements are escaped once each through `cache`: a run's rows name the same hosts over and over.
 */
function copyTextArray(items: string[], cache: Map<string, string>): string {
  let out = '{';
  for (let i = 0; i < items.length; i++) {
    let e = cache.get(items[i]);
    if (e === undefined) cache.set(items[i], (e = copyText(`"${items[i].replace(/[\\"]/g, '\\$&')}"`)));
    out += i ? ',' + e : e;
  }
  return out + '}';
}

/** What a run's scan left to store: the merger's numbers whole, or its spill files (the merger then only lends its memory). */
export type ScanOutput = { merger: ExposureMerger; spill: Segment[] | null };

export interface PhaseTimes {
  checksumMs: number;
  scanMs: number;
  finishStarted: number;
}

/**
 * The end of a run: one final row per number into `analysis_numbers` and per subscriber into
 * `analysis_matches`, the run's totals, its audit row, in one transaction. The numbers arrive final (summed
 * in memory, whole or partition by partition from the spill files), so Postgres only joins and stores.
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
    const timings = () => ({
      checksumMs: t.checksumMs,
      scanMs: t.scanMs,
      finishMs: Date.now() - t.finishStarted,
      spilled,
    });
    await this.db.transaction(async (m) => {
      // JIT compiling these statements costs about a second each and saves nothing on them
      await m.query(`SET LOCAL jit = off`);
      await m.query(`CREATE TEMP TABLE run_numbers (msisdn_hmac text NOT NULL, exposures bigint NOT NULL,
        first_ms bigint NOT NULL, last_ms bigint NOT NULL, distinct_hosts int NOT NULL, top_hosts text[] NOT NULL)
        ON COMMIT DROP`);
      const hostTotals = new Map<string, number>();
      const rows = out.spill
        ? this.partitionRows(out.merger, out.spill, hostTotals)
        : this.numberRows(out.merger, new Map(), true);
      await copyIn(m, 'COPY run_numbers FROM STDIN', rows);
      const topHosts = out.spill ? rankHosts([...hostTotals]) : out.merger.topHosts();
      // One index lookup per number, in pseudonym order: the lookups walk the subscriber index in order (3x
      // fewer page misses than in hash order) and the primary key grows at its right edge. The planner would
      // rather hash the whole subscriber table (a seq scan of millions of rows): 2-3x slower here.
      await m.query(`SET LOCAL enable_hashjoin = off`);
      await m.query(`SET LOCAL enable_mergejoin = off`);
      await m.query(`SET LOCAL work_mem = '128MB'`); // the sort of a spilled run's rows, in memory
      const source = out.spill ? `(SELECT * FROM run_numbers ORDER BY msisdn_hmac)` : `run_numbers`;
      // One statement stores the numbers, their subscribers' rows and the run's totals: each is computed
      // from the rows as they are inserted, not read back from the table.
      const [totals] = await m.query(
        `WITH n AS (
           INSERT INTO analysis_numbers (run_id, msisdn_hmac, exposures, first_seen, last_seen, distinct_hosts, top_hosts, subscriber_id)
           SELECT $1::uuid, n.msisdn_hmac, n.exposures, to_timestamp(n.first_ms / 1000.0), to_timestamp(n.last_ms / 1000.0),
                  n.distinct_hosts, n.top_hosts, COALESCE(s.id, ${PAST_NUMBER_SQL})
           FROM ${source} n LEFT JOIN subscribers s ON s.msisdn_hmac = n.msisdn_hmac
           RETURNING subscriber_id, exposures, first_seen, last_seen),
         matched AS (
           INSERT INTO analysis_matches (run_id, subscriber_id, exposures, first_seen, last_seen)
           SELECT $1, subscriber_id, sum(exposures), min(first_seen), max(last_seen)
           FROM n WHERE subscriber_id IS NOT NULL GROUP BY subscriber_id ORDER BY subscriber_id
           RETURNING 1)
         SELECT count(*) AS distinct, count(*) FILTER (WHERE subscriber_id IS NULL) AS unmatched,
                min(first_seen) AS first, max(last_seen) AS last, (SELECT count(*) FROM matched) AS matched
         FROM n`,
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
          totals.distinct,
          totals.unmatched,
          totals.first,
          totals.last,
          totals.matched,
        ],
      );
      await this.audit.record(m, SYSTEM_ACTOR, {
        action: 'analysis.completed',
        targetType: 'analysis_run',
        targetId: run.id,
        summary: { linesRead: c.linesRead, exposures: c.exposures },
      });
    });
    // where a run's time goes, for operators sizing the next one
    this.log.log(
      `analysis ${run.id} completed: ${c.linesRead} lines, ${c.exposures} exposures, ${JSON.stringify(timings())}`,
    );
  }

  /**
   * COPY text rows of the numbers the merger holds, pseudonymised here; in pseudonym order if `sorted` (only
   * the pseudonyms and the order are held; each row is built as COPY takes it).
   */
  private *numberRows(
    merger: ExposureMerger,
    hosts: Map<string, string>,
    sorted: boolean,
  ): Generator<string> {
    const pseudonyms = Array.from(merger.numbers(), (n) => this.pseudonymiser.pseudonym(n));
    const order = Uint32Array.from(pseudonyms.keys());
    if (sorted) order.sort((a, b) => (pseudonyms[a] < pseudonyms[b] ? -1 : 1));
    let i = 0;
    for (const n of merger.totals(order))
      yield `${pseudonyms[order[i++]]}\t${n.exposures}\t${n.first}\t${n.last}\t${n.distinctHosts}\t${copyTextArray(n.topHosts, hosts)}\n`;
  }

  /**
   * The spilled numbers, one partition at a time: its records from every segment summed in the merger, then
   * its final rows (Postgres sorts them all for the lookups). Adds each host's exposures into `hostTotals`.
   */
  private *partitionRows(
    merger: ExposureMerger,
    segments: Segment[],
    hostTotals: Map<string, number>,
  ): Generator<string> {
    const hosts = new Map<string, string>();
    const buffer = partitionBuffer();
    for (let p = 0; p < PARTITIONS; p++) {
      merger.clear();
      loadPartition(segments, p, merger, buffer);
      for (const [h, n] of merger.hostExposures()) hostTotals.set(h, (hostTotals.get(h) ?? 0) + n);
      yield* this.numberRows(merger, hosts, false);
    }
    merger.clear();
  }
}
