import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { AppConfig } from '../platform/config';
import { BillingService } from './billing.service';
import { COMPENSATION_QUEUE, JOB, SWEEP_EVERY_MS } from './compensation.queue';
import { OffersService } from './offers.service';

/** Handlers are idempotent: each reads its row and does nothing when the work is already done. */
@Processor(COMPENSATION_QUEUE, { autorun: false })
@Injectable()
export class CompensationProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly billing: BillingService,
    private readonly offers: OffersService,
    private readonly config: AppConfig,
    @InjectQueue(COMPENSATION_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runsWorker)
      await this.queue.upsertJobScheduler(
        'compensation-sweep',
        { every: SWEEP_EVERY_MS },
        { name: JOB.sweep },
      );
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case JOB.deliverBilling: {
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        return this.billing.deliver(String(job.data.outboxId), final);
      }
      case JOB.applyOffer:
        return this.offers.applyAuto(String(job.data.offerId));
      case JOB.sweep:
        return { billing: await this.billing.sweep(), offers: await this.offers.sweep() };
      default:
        throw new Error(`unknown job ${job.name}`);
    }
  }
}
