import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { MatchesFoldRepository } from './matches-fold.repository';

export const ANALYSIS_FOLD_QUEUE = 'analysis-fold';

/** Runs' tables kept as they are; past FOLD_AT of them, all but the newest FOLD_KEEP are folded into one. */
export const FOLD_KEEP = 24;
export const FOLD_AT = 48;

/**
 * Keeps the number of analysis_matches' tables small. A run's matches are a table of its own (loaded with no
 * index work: issue 20), and a question about one subscriber in any run (the customer page) probes every table:
 * 1.2 ms at 24 runs, 49 ms at 720 (a month of hourly runs). Folding older runs into one table a day, in a
 * worker after a run completes, holds it near the 24-run figure; the run's own finish never waits for it.
 */
@Injectable()
export class MatchesFolding {
  private readonly log = new Logger(MatchesFolding.name);

  constructor(
    private readonly repo: MatchesFoldRepository,
    @InjectQueue(ANALYSIS_FOLD_QUEUE) private readonly queue: Queue,
  ) {}

  /** Asks a worker to fold when due: one job at a time (a request while one waits or runs is the same job). */
  async request(): Promise<void> {
    await this.queue.add('fold', {}, { jobId: 'fold', removeOnComplete: true, removeOnFail: true });
  }

  /**
   * Folds when more than `at` runs have their own table: all but the newest `keep`. Returns how many runs (0
   * when none were due, or another fold was running).
   */
  async fold(keep = FOLD_KEEP, at = FOLD_AT): Promise<number> {
    const folded = await this.repo.exclusively(async () => {
      const left = await this.repo.dropLeftovers();
      if (left) this.log.warn(`dropped ${left} table(s) an interrupted fold of analysis matches left`);
      const runs = await this.repo.runTables();
      const older = runs.slice(keep);
      if (runs.length <= at || older.length === 0) return 0;
      await this.repo.fold(older);
      this.log.log(`folded the matches of ${older.length} runs into one table`);
      return older.length;
    });
    return folded ?? 0;
  }
}
