import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { IncidentEvents } from '../incidents/incident-events';
import { DurableWork } from '../platform/queue/durable-work';
import { STATUS_PAGE_QUEUE, SubscriptionsService } from './subscriptions.service';

@Processor(STATUS_PAGE_QUEUE, { autorun: false })
export class StatusPageProcessor extends WorkerHost {
  constructor(private readonly work: DurableWork) {
    super();
  }

  process(job: Job): Promise<unknown> {
    return this.work.run(job);
  }
}

/**
 * Each publication is fanned out to subscribers: a status_fanouts row first, its job second. The re-drive rule
 * finds publications without a row and rows whose job was lost.
 */
@Injectable()
export class FanoutTrigger implements OnModuleInit {
  constructor(
    private readonly events: IncidentEvents,
    private readonly subscriptions: SubscriptionsService,
    private readonly work: DurableWork,
  ) {}

  onModuleInit(): void {
    this.events.on(async (e) => {
      if (e.type === 'published') await this.subscriptions.enqueueFanout(e.updateId);
    });
    this.work.handle('status-page.fanout', async (job) => ({
      sent: await this.subscriptions.fanOut(String(job.data.updateId)),
    }));
    this.work.redrive({ name: 'status-page.fanout', run: () => this.subscriptions.redriveFanouts() });
  }
}
