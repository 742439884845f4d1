import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CopyOut } from '../platform/database/copy-in';
import { AppConfig } from '../platform/config';
import { Pseudonymiser } from '../platform/privacy';
import { AnalysisRun } from './analysis-run.entity';
import { AnalysisRunTransitions } from './analysis-run-transitions';
import { ExposureMerger, rankHosts } from './exposure-aggregator';
import { NumberPseudonyms, PSEUDONYM_BYTES } from './number-pseudonyms';
import { MatchesFolding } from './matches-folding.service';
import { RunFinishRepository } from './run-finish.repository';
import { RunNumbers, Taken } from './run-numbers';
import { ScanCounts } from './scan-task';
import { loadPartition, PARTITIONS, partitionBuffer, Segment } from './spill-files';
import { LaneFeed, laneOf, laneRange } from './lane-feed';
import { LaneMatches, SubscriberMatches } from './subscriber-matches';

/** What a run's scan left to store: the merger's numbers whole, or its spill files (the merger then only lends its memory). */
export type ScanOutput = { merger: ExposureMerger; spill: Segment[] | null };

export interface PhaseTimes {
  checksumMs: number;
  scanMs: number;
  finishStarted: number;
}

/**
 * Connections the finish uses at once, each a range of pseudonyms for the lookups, then a range of subscribers
 * for the matches. One statement is one backend, one core: two halves on two connections took 24 s
 * where the whole took 43 s (955k numbers, 2 cores).
 */
export const FINISH_LANES = 2;

const TAB = 0x09;
/** Numbers pseudonymised at once (into one buffer, then written into the COPY). */
const PSEUDONYM_CHUNK = 2048;

/**
 * The end of a run: one final row per matched subscriber into `analysis_matches` (with their websites), the
 * run's totals, its audit row. The numbers arrive final (summed in memory, whole or partition by partition from
 * the spill files) and are kept here, compact (RunNumbers); Postgres is asked only what it alone knows, each
 * number's subscriber, and stores only the final rows:
 * - FINISH_LANES lookups at once, each a range of pseudonyms: its numbers' pseudonyms and ordinals COPYed in
 *   (one pass over the numbers feeds every lane), the matched ones' (ordinal, subscriber) COPYed back in
 *   subscriber order (unmatched numbers are only counted: no reader needs them);
 * - the lanes' answers merged in subscriber order and summed per subscriber here (a subscriber's current and
 *   past numbers may be in different lanes), COPYed straight into the run's own table of matches (no index
 *   yet) over FINISH_LANES connections, each a range of subscribers; then its one index is built;
 * - one transaction: the run's table attached to `analysis_matches`, the run's totals and its audit row, the
 *   run `completed`.
 * So a run's results appear at once, complete (every reader also checks that the run completed); a finish
 * that fails drops what it stored (and a retry starts by dropping an earlier attempt's table).
 */
@Injectable()
export class RunFinisher {
  private readonly log = new Logger(RunFinisher.name);
  private readonly pseudonyms: NumberPseudonyms;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly results: RunFinishRepository,
    private readonly transitions: AnalysisRunTransitions,
    private readonly folding: MatchesFolding,
    pseudonymiser: Pseudonymiser,
    config: AppConfig,
  ) {
    this.pseudonyms = new NumberPseudonyms(pseudonymiser, config.analysis.native);
  }

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
    await this.results.clearResults(run.id); // an earlier attempt may have died after storing
    try {
      await this.results.createMatches(run.id);
      const numbers = new RunNumbers();
      const hostTotals = new Map<string, number>();
      // one pass over the numbers writes every lane's COPY (a lane is a range of pseudonyms: its lookup walks
      // only its share of the subscribers' index); the lookups start once all are written
      const lanes = Array.from({ length: FINISH_LANES }, () => new LaneMatches());
      const feed = new LaneFeed(FINISH_LANES, (outs) =>
        out.spill
          ? this.writePartitions(outs, numbers, out.merger, out.spill, hostTotals)
          : this.writeNumbers(outs, out.merger, numbers.take(out.merger, 0, PARTITIONS)),
      );
      await settleAll(
        lanes.map((found, lane) =>
          this.results
            .lookUp(
              laneRange(lane, FINISH_LANES),
              async (w) => {
                const n = await feed.join(lane, w);
                found.reserve(n);
                return n;
              },
              (chunk) => found.push(chunk),
            )
            .then(
              () => found.end(),
              (e) => {
                feed.fail(e);
                throw e;
              },
            ),
        ),
      );
      const matches = new SubscriberMatches(lanes, numbers);
      // each connection a range of subscribers, written at once: the rows wait for no other connection's
      await settleAll(
        Array.from({ length: FINISH_LANES }, (_, part) => {
          const [from, to] = matches.range(part, FINISH_LANES);
          return this.results.storeMatches(run.id, (w) => matches.write(w, from, to));
        }),
      );
      await this.results.indexMatches(run.id);
      numbersMs = Date.now() - t.finishStarted;
      const topHosts = out.spill ? rankHosts([...hostTotals]) : out.merger.topHosts();
      await this.complete(run, c, numbers, matches, topHosts, timings);
    } catch (e) {
      await this.results.clearResults(run.id).catch(() => undefined);
      throw e;
    }
    // the run is complete whatever this does: folding older runs' tables waits for the next request
    await this.folding
      .request()
      .catch((e: Error) =>
        this.log.warn(`analysis ${run.id}: could not ask for a fold of older matches: ${e.message}`),
      );
    // where a run's time goes, for operators sizing the next one
    this.log.log(
      `analysis ${run.id} completed: ${c.linesRead} lines, ${c.exposures} exposures, ${JSON.stringify(timings())}`,
    );
  }

  /** The run's totals and its audit row, the run completed, in one transaction. */
  private async complete(
    run: AnalysisRun,
    c: ScanCounts,
    numbers: RunNumbers,
    matches: SubscriberMatches,
    topHosts: { host: string; count: number }[],
    timings: () => Record<string, unknown>,
  ): Promise<void> {
    await this.db.transaction(async (m) => {
      await this.results.attachMatches(m, run.id);
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
          distinct_msisdns: numbers.distinct,
          unmatched_msisdns: numbers.distinct - matches.numbers,
          first_seen: numbers.distinct ? new Date(numbers.first) : null,
          last_seen: numbers.distinct ? new Date(numbers.last) : null,
          matched_subscribers: matches.subscribers,
        },
        { linesRead: c.linesRead, exposures: c.exposures },
      );
      // a run no longer running (failed meanwhile) keeps its state; its results go (the caller clears them)
      if (!moved) throw new Error(`analysis ${run.id} is no longer running; its results were not kept`);
    });
  }

  /**
   * Writes the lookup rows (pseudonym, ordinal) of numbers taken from the merger, each into its lane's COPY
   * (`outs`, by the pseudonym's range), pseudonymised a chunk at a time into one reused buffer (natively when it
   * can), as bytes (an array of a partition's pseudonyms lived long enough to be promoted, and 64 of them piled
   * up ~100 MB of old-space garbage). Adds how many each lane got to `counts` and returns it.
   */
  private async writeNumbers(
    outs: CopyOut[],
    merger: ExposureMerger,
    taken: Taken,
    counts = new Array<number>(outs.length).fill(0),
  ): Promise<number[]> {
    const keys = merger.view().keys;
    const chunk = new Float64Array(PSEUDONYM_CHUNK);
    const hex = Buffer.allocUnsafe(PSEUDONYM_CHUNK * PSEUDONYM_BYTES);
    for (let at = 0; at < taken.count; at += PSEUDONYM_CHUNK) {
      const n = Math.min(PSEUDONYM_CHUNK, taken.count - at);
      for (let i = 0; i < n; i++) chunk[i] = keys[taken.slots[at + i]];
      this.pseudonyms.write(chunk, 0, n, hex);
      for (let i = 0, h = 0; i < n; i++, h += PSEUDONYM_BYTES) {
        const lane = laneOf(hex, h, outs.length);
        const out = outs[lane];
        counts[lane]++;
        out
          .bytes(hex, h, h + PSEUDONYM_BYTES)
          .byte(TAB)
          .int(taken.ordinals[at + i]);
        const wait = out.endRow();
        if (wait) await wait;
      }
    }
    return counts;
  }

  /**
   * The spilled numbers, one partition at a time: its records from every segment summed in the merger, taken
   * into `numbers`, their lookup rows written into their lanes' COPYs. Adds each host's exposures into
   * `hostTotals`. Returns how many numbers each lane got.
   */
  private async writePartitions(
    outs: CopyOut[],
    numbers: RunNumbers,
    merger: ExposureMerger,
    segments: Segment[],
    hostTotals: Map<string, number>,
  ): Promise<number[]> {
    const buffer = partitionBuffer();
    const counts = new Array<number>(outs.length).fill(0);
    for (let p = 0; p < PARTITIONS; p++) {
      merger.clear();
      loadPartition(segments, p, merger, buffer);
      for (const [h, n] of merger.hostExposures()) hostTotals.set(h, (hostTotals.get(h) ?? 0) + n);
      await this.writeNumbers(outs, merger, numbers.take(merger, p, p + 1), counts);
    }
    merger.clear();
    return counts;
  }
}

/** Waits for every promise, then throws the first failure: no connection is still writing when the caller cleans up. */
async function settleAll(all: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(all)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
