import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '../platform/config';
import { ConfigurableWorker } from '../platform/queue/worker-runner';
import { batchSizeFor, EMAIL_QUEUE, SendJob, SMS_QUEUE } from './queues';
import { SenderService } from './sender.service';

/**
 * BullMQ's limiter is global across every worker of the queue, so the provider's MPS holds fleet-wide. Its
 * windows are fixed: with `max` sends per window, any sliding second can see one window's worth more than the
 * windows' average (the end of one window and the start of the next). So pick small windows whose average plus
 * that one-window burst stays within the rate (less 1%), as close to it as whole milliseconds allow.
 */
export function limiterFor(ratePerSecond: number): { max: number; duration: number } | undefined {
  if (ratePerSecond <= 0) return undefined;
  let best = { max: 1, duration: Math.ceil(1000 / ratePerSecond) }; // tiny rates: a burst of one is unavoidable
  let bestRate = 0;
  for (let max = 1; max < Math.min(ratePerSecond * 0.99, 50); max++) {
    // 1% headroom for network jitter between the limiter's clock and the provider's.
    const duration = Math.max(5, Math.ceil((max * 1000) / (ratePerSecond * 0.99 - max)));
    const average = (max * 1000) / duration;
    if (average > bestRate) [best, bestRate] = [{ max, duration }, average];
  }
  return best;
}

function options(config: AppConfig, ratePerSecond: number) {
  const n = config.notifications;
  return {
    // SEND_CONCURRENCY counts messages in flight, not jobs: more would only time out at the provider.
    concurrency: Math.max(1, Math.ceil(n.sendConcurrency / batchSizeFor(ratePerSecond))),
    limiter: limiterFor(ratePerSecond),
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
