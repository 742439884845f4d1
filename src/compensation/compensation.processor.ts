import { Processor, WorkerHost } from '@nestjs/bullmq';
import { OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { DurableWork } from '../platform/queue/durable-work';
import { BillingService } from './billing.service';
import { COMPENSATION_QUEUE } from './compensation.queue';
import { OfferApplyService } from './offer-apply.service';

/** Handlers are idempotent: each reads its row and does nothing when the work is already done. */
@Processor(COMPENSATION_QUEUE, { autorun: false })
export class CompensationProcessor extends WorkerHost implements OnModuleInit {
  constructor(
    private readonly billing: BillingService,
    private readonly offers: OfferApplyService,
    private readonly work: DurableWork,
  ) {
    super();
  }

  onModuleInit(): void {
    this.work.handle('billing.deliver', (job) => {
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return this.billing.deliver(String(job.data.outboxId), final);
    });
    this.work.handle('offer.apply', (job) => this.offers.applyAuto(String(job.data.offerId)));
    this.work.redrive({ name: 'billing.deliver', everySeconds: 60, run: () => this.billing.redrive() });
    this.work.redrive({ name: 'offer.apply', everySeconds: 60, run: () => this.offers.redrive() });
  }

  process(job: Job): Promise<unknown> {
    return this.work.run(job);
  }
}
