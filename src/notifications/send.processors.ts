import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '../platform/config';
import { ConfigurableWorker } from '../platform/queue/worker-runner';
import { EMAIL_QUEUE, SMS_QUEUE } from './queues';
import { SenderService } from './sender.service';

function options(config: AppConfig, ratePerSecond: number) {
  const n = config.notifications;
  return {
    concurrency: n.sendConcurrency,
    // BullMQ's limiter is global across every worker of the queue: the provider's MPS holds fleet-wide.
    limiter: ratePerSecond > 0 ? { max: ratePerSecond, duration: 1000 } : undefined,
    stalledInterval: n.stalledIntervalMs,
    lockDuration: n.stalledIntervalMs,
  };
}

@Processor(SMS_QUEUE, { autorun: false })
export class SmsSendProcessor extends WorkerHost implements ConfigurableWorker {
  constructor(
    private readonly sender: SenderService,
    private readonly config: AppConfig,
  ) {
    super();
  }
  workerOptions() {
    return options(this.config, this.config.notifications.smsRatePerSecond);
  }
  process(job: Job<{ id: string }>) {
    return this.sender.process(job);
  }
}

@Processor(EMAIL_QUEUE, { autorun: false })
export class EmailSendProcessor extends WorkerHost implements ConfigurableWorker {
  constructor(
    private readonly sender: SenderService,
    private readonly config: AppConfig,
  ) {
    super();
  }
  workerOptions() {
    return options(this.config, this.config.notifications.emailRatePerSecond);
  }
  process(job: Job<{ id: string }>) {
    return this.sender.process(job);
  }
}
