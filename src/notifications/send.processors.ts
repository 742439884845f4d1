import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '../platform/config';
import { ConfigurableWorker } from '../platform/queue/worker-runner';
import { batchSizeFor, EMAIL_QUEUE, SendJob, SMS_QUEUE } from './queues';
import { SenderService } from './sender.service';

function options(config: AppConfig, ratePerSecond: number) {
  const n = config.notifications;
  return {
    // SEND_CONCURRENCY counts messages in flight, not jobs: more would only time out at the provider.
    // A limited channel's rate is kept by SendPacer (global, evenly spaced), not by BullMQ's window limiter.
    concurrency: Math.max(1, Math.ceil(n.sendConcurrency / batchSizeFor(ratePerSecond))),
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
  process(job: Job<SendJob>) {
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
  process(job: Job<SendJob>) {
    return this.sender.process(job);
  }
}
