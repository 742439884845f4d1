import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../platform/config';
import { DurableWork } from '../platform/queue/durable-work';
import { ConfigurableWorker } from '../platform/queue/worker-runner';
import { batchSizeFor, EMAIL_QUEUE, SendJob, SMS_QUEUE } from './queues';
import { SenderService } from './sender.service';

/**
 * Seconds of a paced channel's traffic each worker keeps in flight: enough sends waiting for their slots that
 * every slot is taken although a send spends a few hundred ms between its slot and its answer (claim, call,
 * record) on a loaded machine. They wait unclaimed (SendPacer), so holding many costs no correctness.
 */
export const PACED_IN_FLIGHT_SECONDS = 0.25;

function options(config: AppConfig, ratePerSecond: number) {
  const n = config.notifications;
  return {
    // SEND_CONCURRENCY counts messages in flight, not jobs: more would only time out at the provider. A limited
    // channel's rate is kept by SendPacer (global, evenly spaced), not by BullMQ's window limiter, and it holds
    // at least a quarter second of its rate in rows (units: a message has at least one) so its slots are all used.
    concurrency: Math.max(
      1,
      Math.ceil(n.sendConcurrency / batchSizeFor(ratePerSecond)),
      Math.ceil((ratePerSecond * PACED_IN_FLIGHT_SECONDS) / batchSizeFor(ratePerSecond)),
    ),
    stalledInterval: n.stalledIntervalMs,
    lockDuration: n.stalledIntervalMs,
  };
}

/** The send jobs' handlers: both channels go through SenderService. */
@Injectable()
export class SendHandlers implements OnModuleInit {
  constructor(
    private readonly sender: SenderService,
    private readonly work: DurableWork,
  ) {}
  onModuleInit(): void {
    this.work.handle('sms.send', (job) => this.sender.process(job as Job<SendJob>));
    this.work.handle('email.send', (job) => this.sender.process(job as Job<SendJob>));
  }
}

@Processor(SMS_QUEUE, { autorun: false })
export class SmsSendProcessor extends WorkerHost implements ConfigurableWorker {
  constructor(
    private readonly work: DurableWork,
    private readonly config: AppConfig,
  ) {
    super();
  }
  workerOptions() {
    return options(this.config, this.config.notifications.smsRatePerSecond);
  }
  process(job: Job) {
    return this.work.run(job);
  }
}

@Processor(EMAIL_QUEUE, { autorun: false })
export class EmailSendProcessor extends WorkerHost implements ConfigurableWorker {
  constructor(
    private readonly work: DurableWork,
    private readonly config: AppConfig,
  ) {
    super();
  }
  workerOptions() {
    return options(this.config, this.config.notifications.emailRatePerSecond);
  }
  process(job: Job) {
    return this.work.run(job);
  }
}
