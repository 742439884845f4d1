import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { IncidentEvents } from '../incidents/incident-events';
import { IncidentsService } from '../incidents/incidents.service';
import { AppConfig } from '../platform/config';
import { FANOUT_JOB, STATUS_PAGE_QUEUE, SubscriptionsService } from './subscriptions.service';

@Processor(STATUS_PAGE_QUEUE, { autorun: false })
export class StatusPageProcessor extends WorkerHost {
  constructor(private readonly subscriptions: SubscriptionsService) {
    super();
  }

  async process(job: Job<{ updateId: string }>): Promise<unknown> {
    if (job.name !== FANOUT_JOB) throw new Error(`unknown job ${job.name}`);
    return { sent: await this.subscriptions.fanOut(job.data.updateId) };
  }
}

/** Each publication is fanned out to subscribers; at worker boot, unfinished fan-outs are re-driven. */
@Injectable()
export class FanoutTrigger implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(FanoutTrigger.name);

  constructor(
    private readonly events: IncidentEvents,
    private readonly subscriptions: SubscriptionsService,
    private readonly incidents: IncidentsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.on(async (e) => {
      if (e.type === 'published') await this.subscriptions.enqueueFanout(e.updateId);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorker) return;
    const pending = await this.incidents.updatesAwaitingFanout();
    for (const id of pending) await this.subscriptions.enqueueFanout(id);
    if (pending.length) this.logger.log(`re-driving ${pending.length} subscriber fan-out(s)`);
  }
}
