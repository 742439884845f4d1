import { Injectable } from '@nestjs/common';
import { DurableWork, JobRequest } from '../platform/queue/durable-work';
import type { Channel } from './message-kinds';
import { OutboxQueueRepository, QueuedRow } from './outbox-queue.repository';
import { UNLIMITED_BATCH } from './queues';

/** Ids per read of a built campaign: a multiple of every batch size, so no job's block spans two reads. */
const CHUNK = 400 * UNLIMITED_BATCH;

/**
 * Adds send jobs for queued outbox rows. Each row already names its job (`messages.job_id`, written with the
 * row), so the job added here and the one the re-drive later looks for always agree, and adding a job twice
 * adds one job. If an add fails, the rows stay queued without a job and the re-drive re-enqueues them.
 */
@Injectable()
export class EnqueuerService {
  constructor(
    private readonly outbox: OutboxQueueRepository,
    private readonly work: DurableWork,
  ) {}

  /**
   * Adds the jobs carrying `rows`: one bulk per channel, rows grouped by their job id. `failFast` (API calls):
   * refuse at once when Redis is down instead of waiting for it.
   */
  async add(rows: QueuedRow[], failFast = false): Promise<void> {
    const jobsOf = (c: Channel) => {
      const jobs = new Map<string, string[]>();
      for (const r of rows) {
        if (r.channel !== c) continue;
        const ids = jobs.get(r.jobId!) ?? [];
        ids.push(r.id);
        jobs.set(r.jobId!, ids);
      }
      return [...jobs].map(([jobId, ids]): JobRequest => ({ jobId, data: { ids } }));
    };
    await Promise.all([
      this.work.addBulk('sms.send', jobsOf('sms'), { failFast }),
      this.work.addBulk('email.send', jobsOf('email'), { failFast }),
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
      adding = this.add(rows, true);
      total += rows.length;
    }
    await adding;
    return total;
  }
}
