import { Processor, WorkerHost } from '@nestjs/bullmq';
import { OnModuleInit } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { DurableWork } from '../platform/queue/durable-work';
import { IncidentUpdatesService } from './incident-updates.service';
import { INCIDENTS_QUEUE } from './incidents.queue';
import { RemindersService } from './reminders.service';

/**
 * The incidents jobs: a scheduled update's publication (jobId = update id) and the cadence tick (repeatable,
 * re-created by the sweep whenever it is missing). The re-drive rule makes the row the truth: a due update is
 * published by whichever worker's sweep sees it due, whatever became of its job.
 */
@Processor(INCIDENTS_QUEUE, { autorun: false })
export class IncidentsProcessor extends WorkerHost implements OnModuleInit {
  constructor(
    private readonly updates: IncidentUpdatesService,
    private readonly reminders: RemindersService,
    private readonly work: DurableWork,
  ) {
    super();
  }

  onModuleInit(): void {
    this.work.handle('incidents.tick', async () => ({ reminders: (await this.reminders.tick()).length }));
    this.work.handle('incidents.publish', async (job, token) => {
      const outcome = await this.updates.publishScheduled(String(job.data.updateId));
      if (typeof outcome === 'object') {
        // Rescheduled later than this job's delay (or clocks disagree): wait for the stored time.
        await job.moveToDelayed(outcome.early.getTime(), token);
        throw new DelayedError();
      }
      return { outcome };
    });
    this.work.redrive({ name: 'incidents.scheduled', run: () => this.updates.redriveScheduled() });
  }

  process(job: Job, token?: string): Promise<unknown> {
    return this.work.run(job, token);
  }
}
