import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { AppConfig } from '../platform/config';
import { CutoverService } from './cutover.service';
import { NUMBER_CHANGE_QUEUE, NumberChangeJob, SWEEP_SCHEDULER_ID } from './number-change.jobs';
import { NumberChangeService } from './number-change.service';

@Processor(NUMBER_CHANGE_QUEUE, { autorun: false })
export class NumberChangeProcessor extends WorkerHost {
  constructor(
    private readonly cutover: CutoverService,
    private readonly requests: NumberChangeService,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    const j = job as unknown as NumberChangeJob;
    if (j.name === 'cutover') return this.cutover.run(j.data.requestId);
    if (j.name === 'sweep') return this.requests.sweep();
    throw new Error(`unknown job ${job.name}`);
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job | undefined, err: Error): Promise<void> {
    if (job?.name !== 'cutover') return;
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) await this.cutover.giveUp(job.data.requestId, err.message);
  }
}

/** The sweeper runs as a BullMQ job scheduler: one schedule per queue however many workers start. */
@Injectable()
export class SweepScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(NUMBER_CHANGE_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorker) return;
    await this.queue.upsertJobScheduler(
      SWEEP_SCHEDULER_ID,
      { every: this.config.numberChange.sweepSeconds * 1000 },
      { name: 'sweep', data: {} },
    );
  }
}
