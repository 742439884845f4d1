import { BullModule, InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { AppConfig } from '../platform/config';
import { ApprovalRemindersService } from './approval-reminders.service';

export const APPROVALS_QUEUE = 'approvals';
const REMIND_JOB = 'remind';
/** How often the worker looks for decisions to tell authors of and approvals that have waited too long. */
const REMIND_EVERY_MS = 60_000;

export const approvalsQueue = () => BullModule.registerQueue({ name: APPROVALS_QUEUE });

/** The reminder tick: one scheduler however many workers; the reminders themselves are deduplicated. */
@Processor(APPROVALS_QUEUE, { autorun: false })
@Injectable()
export class ApprovalsProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly reminders: ApprovalRemindersService,
    private readonly config: AppConfig,
    @InjectQueue(APPROVALS_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    // every minute on a worker: "sent back to you" emails always, reminders unless APPROVAL_REMINDER_MINUTES=0
    if (this.config.runsWorker)
      await this.queue.upsertJobScheduler(
        'approval-reminders',
        { every: REMIND_EVERY_MS },
        { name: REMIND_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
  }

  async process(job: Job): Promise<unknown> {
    if (job.name !== REMIND_JOB) throw new Error(`unknown job ${job.name}`);
    return { queued: await this.reminders.tick() };
  }
}
