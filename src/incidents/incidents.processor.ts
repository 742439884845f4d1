import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, Queue } from 'bullmq';
import { AppConfig } from '../platform/config';
import { IncidentUpdatesService } from './incident-updates.service';
import { INCIDENTS_QUEUE, PUBLISH_JOB, PublishJob, TICK_JOB } from './incidents.queue';
import { RemindersService } from './reminders.service';

@Processor(INCIDENTS_QUEUE, { autorun: false })
export class IncidentsProcessor extends WorkerHost {
  constructor(
    private readonly updates: IncidentUpdatesService,
    private readonly reminders: RemindersService,
  ) {
    super();
  }

  async process(job: Job<PublishJob>, token?: string): Promise<unknown> {
    if (job.name === TICK_JOB) {
      const fired = await this.reminders.tick();
      const requeued = await this.updates.requeueScheduled();
      return { reminders: fired.length, requeued };
    }
    if (job.name !== PUBLISH_JOB) throw new Error(`unknown job ${job.name}`);
    const outcome = await this.updates.publishScheduled(job.data.updateId);
    if (typeof outcome === 'object') {
      // Rescheduled later than this job's delay (or clocks disagree): wait for the stored time.
      await job.moveToDelayed(outcome.early.getTime(), token);
      throw new DelayedError();
    }
    return { outcome };
  }
}

/**
 * In the worker role: the cadence tick runs every INCIDENT_REMINDER_TICK_SECONDS (one scheduler however many
 * workers), and scheduled updates are re-enqueued at boot so a publication survives a lost job.
 */
@Injectable()
export class IncidentsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(IncidentsScheduler.name);

  constructor(
    @InjectQueue(INCIDENTS_QUEUE) private readonly queue: Queue,
    private readonly updates: IncidentUpdatesService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorker) return;
    await this.queue.upsertJobScheduler(
      'cadence-tick',
      { every: this.config.incidents.reminderTickSeconds * 1000 },
      { name: TICK_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    const n = await this.updates.requeueScheduled();
    if (n) this.logger.log(`re-enqueued ${n} scheduled update(s)`);
  }
}
