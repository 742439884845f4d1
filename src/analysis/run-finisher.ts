import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CopyOut } from '../platform/database/copy-in';
import { copyText } from '../platform/database/copy-text';
import { Pseudonymiser } from '../platform/privacy';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisRunTransitions } from './analysis-run-transitions';
import { ExposureMerger, NumberTotal, rankHosts } from './exposure-aggregator';
import { ScanCounts } from './scan-task';
import { LaneTotals, RunFinishRepository } from './run-finish.repository';
import { loadPartition, PARTITIONS, partitionBuffer, partitionOf, Segment } from './spill-files';

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

/** One number's COPY row: pseudonym, exposures, first and last seen (ms), top hosts. */
function writeRow(out: CopyOut, pseudonym: string, n: NumberTotal, hosts: Map<string, string>) {
  out.text(pseudonym).byte(TAB).int(n.exposures).byte(TAB).int(n.first).byte(TAB);
  out.int(n.last).byte(TAB);
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

/**
 * The end of a run: one final row per matched subscriber into `analysis_matches` (with their websites), the
 * run's totals, its audit row. The numbers arrive final (summed in memory, whole or partition by partition from
 * the spill files), so Postgres only joins and stores. The numbers go in over FINISH_LANES connections at
 * once, each a share of the partitions in its own transaction, which joins them to subscribers, counts them
 * and stages the matched ones in `analysis_match_staging` (numbers no subscriber has are only counted: no
 * reader needs them); then one transaction sums the staged rows per subscriber into the matches (a
 * subscriber's numbers can fall in different partitions) and removes them, and writes the totals and the
 * audit row. Every reader of results goes through `analysis_matches` or the run's status, so a run's results
 * appear at once, complete; a finish that fails removes what it staged or stored (a retry starts clean too).
 */
@Injectable()
export class RunFinisher {
  private readonly log = new Logger(RunFinisher.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly results: RunFinishRepository,
    private readonly transitions: AnalysisRunTransitions,
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
    if (!(await this.results.isRunning(run.id)))
      throw new Error(`analysis ${run.id} is no longer running; nothing was stored`);
    await this.results.clearResults(run.id); // an earlier attempt may have died between the two steps
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
          return this.results.storeNumbers(
            run.id,
            spilled,
            (copy) => (copying = copying.then(() => copy(rows))),
          );
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
      await this.results.clearResults(run.id).catch(() => undefined);
      throw e;
    }
    // the run is complete whatever this does: a failure only leaves the upkeep to autovacuum
    await this.results
      .upkeep()
      .catch((e: Error) => this.log.warn(`analysis ${run.id}: upkeep after the finish failed: ${e.message}`));
    // where a run's time goes, for operators sizing the next one
    this.log.log(
      `analysis ${run.id} completed: ${c.linesRead} lines, ${c.exposures} exposures, ${JSON.stringify(timings())}`,
    );
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
      const matched = await this.results.insertMatches(m, run.id);
      const hours = Object.fromEntries(
        Object.entries(c.hours)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([h, n]) => [new Date(Number(h)).toISOString(), n]),
      );
      const moved = await this.transitions.complete(
        m,
        run.id,
        {
          lines_read: c.linesRead,
          lines_malformed: c.linesMalformed,
          exposures: c.exposures,
          partner_exposures: c.partnerExposures,
          invalid_values: c.invalidValues,
          excluded: JSON.stringify(c.excluded),
          hours: JSON.stringify(hours),
          partner_hosts: JSON.stringify(c.partnerHosts),
          malformed_samples: JSON.stringify(c.malformedSamples),
          top_hosts: JSON.stringify(topHosts),
          timings: JSON.stringify(timings()),
          distinct_msisdns: sum('distinct'),
          unmatched_msisdns: sum('unmatched'),
          first_seen: first,
          last_seen: last,
          matched_subscribers: matched,
        },
        { linesRead: c.linesRead, exposures: c.exposures },
      );
      // a run no longer running (failed meanwhile) keeps its state; its results go (the caller clears them)
      if (!moved) throw new Error(`analysis ${run.id} is no longer running; its results were not kept`);
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
