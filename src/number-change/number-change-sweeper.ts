import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../platform/clock/clock';
import { AppConfig } from '../platform/config';
import { SYSTEM_ACTOR } from '../platform/http/actor';
import { Conflict } from '../platform/http/domain-error';
import { DurableWork } from '../platform/queue/durable-work';
import { NumberChangeTransitions } from './number-change-transitions';
import { cutoverJob } from './number-change.jobs';
import { NumberChangeRepository } from './number-change.repository';
import { NumberPoolService } from './number-pool.service';

/** What time does to requests: lapsed offers released, stalled requests expired, lost cutover jobs re-added. */
@Injectable()
export class NumberChangeSweeper {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly requests: NumberChangeRepository,
    private readonly work: DurableWork,
    private readonly pool: NumberPoolService,
    private readonly transitions: NumberChangeTransitions,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Releases lapsed offers and quarantines, expires stalled requests. Idempotent. */
  async sweep(): Promise<{ reservations: number; quarantines: number; expired: number }> {
    const released = await this.pool.releaseExpired();
    const stale = await this.requests.stalled(
      this.config.numberChange.requestTtlHours,
      this.clock.now(),
      500,
    );
    let expired = 0;
    for (const id of stale) {
      try {
        await this.db.transaction((m) => this.transitions.apply(m, id, 'expire', SYSTEM_ACTOR));
        expired++;
      } catch (e) {
        if (!(e instanceof Conflict)) throw e; // the customer moved it on meanwhile
      }
    }
    return { ...released, expired };
  }

  /** Re-drive: scheduled cutovers that are due and have not started get their job again if it was lost. */
  async redriveCutovers(): Promise<number> {
    const due = await this.requests.dueUnstarted(this.clock.now(), 5000);
    const now = this.clock.now();
    return this.work.ensureJobs(
      'number-change.cutover',
      due.map((r) => cutoverJob(r.id, r.scheduledAt, now)),
    );
  }
}
