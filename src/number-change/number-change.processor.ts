import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { DurableWork } from '../platform/queue/durable-work';
import { CutoverService } from './cutover.service';
import { NUMBER_CHANGE_QUEUE } from './number-change.jobs';
import { NumberChangeSweeper } from './number-change-sweeper';

@Processor(NUMBER_CHANGE_QUEUE, { autorun: false })
export class NumberChangeProcessor extends WorkerHost implements OnModuleInit {
  constructor(
    private readonly cutover: CutoverService,
    private readonly sweeper: NumberChangeSweeper,
    private readonly work: DurableWork,
  ) {
    super();
  }

  onModuleInit(): void {
    this.work.handle('number-change.cutover', (job) => this.cutover.run(String(job.data.requestId)));
    this.work.handle('number-change.sweep', () => this.sweeper.sweep());
    this.work.redrive({ name: 'number-change.cutover', run: () => this.sweeper.redriveCutovers() });
  }

  process(job: Job): Promise<unknown> {
    return this.work.run(job);
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job | undefined, err: Error): Promise<void> {
    if (job?.name !== 'number-change.cutover') return;
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) await this.cutover.giveUp(job.data.requestId, err.message);
  }
}
