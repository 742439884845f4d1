import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Channel } from './message-kinds';
import { OutboxRepository, QueuedRow } from './outbox.repository';
import { SEND_JOB_OPTIONS, SendJob, SMS_QUEUE, EMAIL_QUEUE, UNLIMITED_BATCH } from './queues';

/** Ids per read of a built campaign: a multiple of every batch size, so no job's block spans two reads. */
const CHUNK = 400 * UNLIMITED_BATCH;

/**
 * Adds send jobs for queued outbox rows. Each row already names its job (`messages.job_id`, written with the
 * row), so the job added here and the one the sweeper later looks for always agree, and adding a job twice
 * adds one job. If an add fails, the rows stay queued without a job and the sweeper re-enqueues them.
 */
@Injectable()
export class EnqueuerService {
  constructor(
    private readonly outbox: OutboxRepository,
    @InjectQueue(SMS_QUEUE) private readonly smsQueue: Queue,
    @InjectQueue(EMAIL_QUEUE) private readonly emailQueue: Queue,
  ) {}

  /** Adds the jobs carrying `rows`: one addBulk per channel, rows grouped by their job id. */
  async add(rows: QueuedRow[]): Promise<void> {
    const jobsOf = (c: Channel) => {
      const jobs = new Map<string, SendJob>();
      for (const r of rows) {
        if (r.channel !== c) continue;
        const job = jobs.get(r.job_id!) ?? { ids: [] };
        job.ids.push(r.id);
        jobs.set(r.job_id!, job);
      }
      return [...jobs].map(([jobId, data]) => ({ name: 'send', data, opts: { jobId, ...SEND_JOB_OPTIONS } }));
    };
    const sms = jobsOf('sms');
    const email = jobsOf('email');
    await Promise.all([
      sms.length ? this.smsQueue.addBulk(sms) : null,
      email.length ? this.emailQueue.addBulk(email) : null,
    ]);
  }

  /**
   * Adds the jobs of a campaign's freshly built rows (ids `from`..`to`), read by primary-key range in
   * aligned chunks; the next chunk is read while the previous one is added. Returns the rows added.
   */
  async addBuilt(campaignId: string, from: string, to: string): Promise<number> {
    let total = 0;
    let adding: Promise<void> = Promise.resolve();
    for (let start = Math.floor(Number(from) / CHUNK) * CHUNK; start <= Number(to); start += CHUNK) {
      const rows = await this.outbox.queuedIn(campaignId, start, start + CHUNK);
      await adding;
      adding = this.add(rows);
      total += rows.length;
    }
    await adding;
    return total;
  }
}
