import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Channel } from './message-kinds';
import { abandoned } from './outbox.repository';

export interface QueuedRow {
  id: string;
  channel: Channel;
  /** The job carrying the row; null for a row queued before job ids were recorded. */
  jobId: string | null;
}

export interface StuckRow extends QueuedRow {
  queuedAt: Date;
}

/**
 * The outbox's way into the queue and back: pending rows taken for jobs (the dispatcher), a build's rows read
 * for their jobs (the enqueuer), rows whose job was lost sent back (the re-drive), and the send workers' leases.
 */
@Injectable()
export class OutboxQueueRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Moves up to `limit` pending rows to queued and returns them, skipping rows of campaigns that are not
   * running and, during quiet hours, SMS of kinds that wait for morning. SKIP LOCKED lets several workers
   * dispatch at once without taking the same rows.
   *
   * Each row gets the id of the job that will carry it, in the same statement: consecutive rows of a channel
   * share one job, `batch[channel]` at a time. The id is the batch's first row, its enqueue count and the
   * enqueue time, so a re-enqueued row never meets its old job (nor a re-created database an old Redis).
   *
   * Written for the planner: the running campaigns are an array computed once (a join to campaigns made it
   * estimate few matches, so it sorted every pending row before taking the first `limit`), and the rows to
   * update are looked up by primary key from an array (a join to `jobs` hashed the whole table).
   */
  async takePending(
    limit: number,
    quietKinds: string[] | null,
    batch: Record<Channel, number>,
  ): Promise<QueuedRow[]> {
    // An UPDATE ... RETURNING comes back from TypeORM as [rows, count].
    const [rows] = await this.db.query(
      `WITH picked AS (
         SELECT m.id, m.channel, m.enqueue_count + 1 AS enqueue_count
         FROM messages m
         WHERE m.status = 'pending'
           AND (m.campaign_id IS NULL OR m.campaign_id = ANY(ARRAY(SELECT id FROM campaigns WHERE status = 'running')))
           AND NOT ($2::text[] IS NOT NULL AND m.channel = 'sms' AND m.kind = ANY($2::text[])
                    AND (m.campaign_id IS NULL
                         OR m.campaign_id <> ALL(ARRAY(SELECT id FROM campaigns WHERE ignore_quiet_hours))))
         ORDER BY m.id LIMIT $1 FOR UPDATE OF m SKIP LOCKED),
       numbered AS (
         SELECT *, (row_number() OVER (PARTITION BY channel ORDER BY id) - 1)
           / CASE channel WHEN 'sms' THEN $3::int ELSE $4::int END AS batch
         FROM picked),
       jobs AS (
         SELECT id, 'm' || first_value(id) OVER w || '-' || first_value(enqueue_count) OVER w || '-'
           || floor(extract(epoch FROM now()) * 1000)::bigint AS job_id
         FROM numbered WINDOW w AS (PARTITION BY channel, batch ORDER BY id))
       UPDATE messages m SET status = 'queued', queued_at = now(), enqueue_count = m.enqueue_count + 1,
         job_id = jobs.job_id, updated_at = now()
       FROM jobs WHERE m.id = jobs.id AND m.id = ANY(ARRAY(SELECT id FROM picked))
       RETURNING m.id::text AS id, m.channel, m.job_id AS "jobId"`,
      [limit, quietKinds, batch.sms, batch.email],
    );
    return rows;
  }

  /** A campaign's queued rows with ids in [from, to), in id order: the jobs of a fresh build to add. */
  async queuedIn(campaignId: string, from: number, to: number): Promise<QueuedRow[]> {
    return this.db.query(
      `SELECT id::text AS id, channel, job_id AS "jobId" FROM messages
       WHERE id >= $2 AND id < $3 AND campaign_id = $1 AND status = 'queued' ORDER BY id`,
      [campaignId, from, to],
    );
  }

  /** Forgets callback tokens older than `hours` (Twilio retries a callback within minutes). */
  async pruneCallbackTokens(hours: number): Promise<number> {
    const [, n] = await this.db.query(
      `DELETE FROM twilio_callback_tokens WHERE received_at < now() - make_interval(hours => $1)`,
      [hours],
    );
    return n;
  }

  /**
   * Rows queued or sending for longer than `seconds`: candidates whose job may have been lost. Keyset pages in
   * (queued_at, id) order, after the page that ended at `after`.
   */
  async stuck(
    seconds: number,
    limit: number,
    after: { queuedAt: Date; id: string } | null = null,
  ): Promise<StuckRow[]> {
    return this.db.query(
      `SELECT id::text AS id, channel, job_id AS "jobId", queued_at AS "queuedAt" FROM messages
       WHERE status IN ('queued', 'sending') AND queued_at < now() - make_interval(secs => $1)
         AND ($3::timestamptz IS NULL OR (queued_at, id) > ($3::timestamptz, $4::bigint))
       ORDER BY queued_at, id LIMIT $2`,
      [seconds, limit, after?.queuedAt ?? null, after?.id ?? null],
    );
  }

  /**
   * Sends stuck rows back to pending so the dispatcher enqueues them again under a new job id; a row of a
   * cancelled campaign is cancelled instead (pending, it would wait for a campaign that never runs again).
   * Only if the row still names the job found dead (another sweep may have re-driven it meanwhile) and, when
   * sending, only once its claimer's lease has lapsed (`abandoned`: a live worker whose job Redis lost may be
   * about to call the provider, or be waiting for it) and no provider call can still be on the wire.
   */
  async requeue(
    rows: Array<{ id: string; jobId: string | null }>,
    staleSeconds: number,
    settleSeconds: number,
    now: Date,
  ): Promise<number> {
    if (!rows.length) return 0;
    const [, n] = await this.db.query(
      `UPDATE messages m SET updated_at = now(),
         status = CASE WHEN c.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END,
         error_code = CASE WHEN c.status = 'cancelled' THEN 'campaign_cancelled' ELSE m.error_code END
       FROM unnest($1::bigint[], $2::text[]) AS v(id, job_id), messages o
       LEFT JOIN campaigns c ON c.id = o.campaign_id
       WHERE m.id = v.id AND o.id = m.id AND m.id = ANY($1::bigint[])
         AND m.job_id IS NOT DISTINCT FROM v.job_id
         AND (m.status = 'queued'
              OR (m.status = 'sending' AND ${abandoned('m', '$3', '$5')}
                  AND (m.provider_call_at IS NULL OR m.provider_call_at < now() - make_interval(secs => $4))))`,
      [rows.map((r) => r.id), rows.map((r) => r.jobId), staleSeconds, settleSeconds, now],
    );
    return n ?? 0;
  }

  /** Takes or renews worker `workerId`'s send lease (SendLease), on the database's clock. */
  async renewLease(workerId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO send_workers (id, seen_at) VALUES ($1, now())
       ON CONFLICT (id) DO UPDATE SET seen_at = now()`,
      [workerId],
    );
  }

  /** Forgets the leases of workers gone for a day (their rows were taken over long ago). */
  async pruneLeases(): Promise<void> {
    await this.db.query(`DELETE FROM send_workers WHERE seen_at < now() - interval '1 day'`);
  }
}
