import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { GroupWriter } from '../platform/database/group-writer';
import type { Channel } from './message-kinds';

export interface NewMessage {
  kind: string;
  channel: Channel;
  to: string;
  locale: string;
  vars: Record<string, unknown>;
  dedupeKey: string;
  subscriberId: string | null;
}

/** A claimed row with what rendering and the opt-out check need, read in the same statement. */
export interface ClaimedMessage {
  id: string;
  campaignId: string | null;
  subscriberId: string | null;
  channel: Channel;
  kind: string;
  locale: string;
  toAddress: string;
  vars: Record<string, unknown> | null;
  attempts: number;
  /** When an earlier attempt started talking to the provider without recording an answer. */
  prevStarted: Date | null;
  /** When an earlier attempt handed the message to the provider without recording an answer (in doubt). */
  prevCall: Date | null;
  firstName: string | null;
  /** Opted out, as far as the subscriber row (and the STOP list by its number) tells. */
  optedOut: boolean;
  knownSubscriber: boolean;
  campaignVars: Record<string, string> | null;
  ignoreQuietHours: boolean | null;
  /** The campaign's ValidityPeriod (seconds from its start), if any. */
  validitySeconds: number | null;
  campaignStartedAt: Date | null;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'undelivered' | 'failed';

/** What a claim answers about each row (over `m` the row, `o` its state before, `c` campaign, `s` subscriber). */
const CLAIMED_COLUMNS = `m.id::text AS id, m.campaign_id AS "campaignId", m.subscriber_id AS "subscriberId",
         m.channel, m.kind, m.locale,
         -- a campaign goes to the subscriber's number/email as it is now (it may have changed since the build)
         CASE WHEN m.campaign_id IS NOT NULL AND s.id IS NOT NULL
              THEN CASE m.channel WHEN 'sms' THEN s.msisdn ELSE coalesce(s.email, m.to_address) END
              ELSE m.to_address END AS "toAddress",
         m.vars, m.attempts, o.sending_started_at AS "prevStarted", o.provider_call_at AS "prevCall",
         s.first_name AS "firstName",
         CASE WHEN m.channel = 'email' THEN coalesce(s.email_opt_out, false)
              ELSE coalesce(s.sms_opt_out, false)
                   OR EXISTS (SELECT 1 FROM sms_opt_outs x WHERE x.msisdn_hmac = s.msisdn_hmac) END AS "optedOut",
         s.id IS NOT NULL AS "knownSubscriber",
         -- a Welsh recipient gets the campaign's Welsh values over its English ones (issue 17)
         CASE WHEN m.locale = 'cy' THEN c.vars || c.vars_cy ELSE c.vars END AS "campaignVars",
         c.ignore_quiet_hours AS "ignoreQuietHours", c.validity_seconds AS "validitySeconds",
         c.started_at AS "campaignStartedAt"`;

/**
 * Whether row `m`, in `sending`, was abandoned: its claimer's lease (send_workers, renewed on the database's
 * clock) is older than `stale` seconds or gone. A row claimed without a lease (before leases existed) counts
 * by its age on the Clock (`now`).
 */
export const abandoned = (m: string, stale: string, now: string) =>
  `CASE WHEN ${m}.claimed_by IS NULL
        THEN ${m}.sending_started_at < ${now}::timestamptz - make_interval(secs => ${stale})
        ELSE NOT EXISTS (SELECT 1 FROM send_workers w WHERE w.id = ${m}.claimed_by
                           AND w.seen_at > now() - make_interval(secs => ${stale})) END`;

/**
 * The outbox's send path: insert, claim, record the provider's answer, opt-outs. Plain SQL, two statements per
 * send. Taking rows into the queue and re-driving lost ones is OutboxQueueRepository.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts a one-off message; a repeated dedupe key inserts nothing and returns the first row's id. */
  async insert(m: EntityManager, msg: NewMessage): Promise<{ id: string; duplicate: boolean }> {
    const rows = await m.query(
      `INSERT INTO messages (kind, channel, to_address, locale, vars, dedupe_key, subscriber_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id`,
      [msg.kind, msg.channel, msg.to, msg.locale, JSON.stringify(msg.vars), msg.dedupeKey, msg.subscriberId],
    );
    if (rows.length) return { id: String(rows[0].id), duplicate: false };
    const [first] = await m.query(`SELECT id FROM messages WHERE dedupe_key = $1`, [msg.dedupeKey]);
    return { id: String(first.id), duplicate: true };
  }

  /**
   * Claims queued rows for sending for the worker holding lease `workerId` (SendLease), or rows left in
   * "sending" by a worker whose lease has lapsed (it died, or lost the database: `abandoned`). Leaves out rows
   * that are not claimable: already final, paused, being sent by a live worker, or handed to the provider less
   * than `settleSeconds` ago (that call may still be on the wire). `now` is the Clock's: the start time is
   * compared with the provider's clock when a send is retried.
   */
  async claim(
    ids: string[],
    staleSeconds: number,
    settleSeconds: number,
    now: Date,
    workerId: string,
  ): Promise<ClaimedMessage[]> {
    const [rows] = await this.db.query(
      `UPDATE messages m SET status = 'sending', attempts = m.attempts + 1, sending_started_at = $4,
         claimed_by = $5, updated_at = now()
       FROM messages o
       LEFT JOIN campaigns c ON c.id = o.campaign_id
       LEFT JOIN subscribers s ON s.id = o.subscriber_id
       WHERE m.id = ANY($1::bigint[]) AND o.id = m.id
         -- a CASE, not status IN (...): that would let the planner scan every in-flight row by the partial
         -- index instead of looking the batch up by key, as it did when fresh rows had no statistics yet
         AND CASE m.status WHEN 'queued' THEN true
                           WHEN 'sending' THEN ${abandoned('m', '$2', '$4')}
                           ELSE false END
         AND (m.provider_call_at IS NULL OR m.provider_call_at < now() - make_interval(secs => $3))
         AND (o.campaign_id IS NULL OR c.status = 'running')
       RETURNING ${CLAIMED_COLUMNS}`,
      [ids, staleSeconds, settleSeconds, now, workerId],
    );
    return rows;
  }

  /**
   * Puts a row this worker claimed back in the queue without calling the provider (its lease lapsed, or the
   * pacer could not admit it), keeping its start time so that whoever sends it asks the provider first, and its
   * call mark as the claim found it (`prevCall`: this attempt's mark, if made, stands for no call). Only while
   * the row is still this worker's own claim.
   */
  async unclaim(id: string, workerId: string, prevCall: Date | null): Promise<void> {
    await this.db.query(
      `UPDATE messages SET status = 'queued', claimed_by = NULL, provider_call_at = $3, updated_at = now()
       WHERE id = $1 AND status = 'sending' AND claimed_by = $2`,
      [id, workerId, prevCall],
    );
  }

  /**
   * The rows as a claim would answer them, without claiming: what the pacer needs to count an SMS's segments
   * before it reserves their slot (and before a claimed row would wait for it).
   */
  async peek(ids: string[]): Promise<ClaimedMessage[]> {
    return this.db.query(
      `SELECT ${CLAIMED_COLUMNS} FROM messages m JOIN messages o ON o.id = m.id
       LEFT JOIN campaigns c ON c.id = m.campaign_id
       LEFT JOIN subscribers s ON s.id = m.subscriber_id
       WHERE m.id = ANY($1::bigint[])`,
      [ids],
    );
  }

  /** Why a row could not be claimed: its status, its campaign's, and whether a provider call may be on the wire. */
  async state(
    id: string,
    settleSeconds: number,
  ): Promise<{ status: string; campaignStatus: string | null; inCall: boolean } | null> {
    const [row] = await this.db.query(
      `SELECT m.status, c.status AS "campaignStatus",
         coalesce(m.provider_call_at > now() - make_interval(secs => $2), false) AS "inCall"
       FROM messages m LEFT JOIN campaigns c ON c.id = m.campaign_id
       WHERE m.id = $1`,
      [id, settleSeconds],
    );
    return row ?? null;
  }

  /** Puts a row back to wait (quiet hours, paused campaign) or back in the queue (transient error). */
  async release(
    id: string,
    to: 'pending' | 'queued',
    error?: { code: string; message: string; keepStarted: boolean },
  ) {
    await this.db.query(
      `UPDATE messages SET status = $2, error_code = coalesce($3, error_code), error_message = coalesce($4, error_message),
         sending_started_at = CASE WHEN $5 THEN sending_started_at ELSE NULL END,
         provider_call_at = CASE WHEN $5 THEN provider_call_at ELSE NULL END, updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'sending')`,
      [id, to, error?.code ?? null, error?.message?.slice(0, 300) ?? null, error?.keepStarted ?? false],
    );
  }

  /** Records that another job now carries an open row (a row of a batch retried on its own). */
  async moveToJob(id: string, jobId: string): Promise<void> {
    await this.db.query(
      `UPDATE messages SET job_id = $2, updated_at = now() WHERE id = $1 AND status IN ('queued', 'sending')`,
      [id, jobId],
    );
  }

  /**
   * Records a provider's acceptance. Resolves once the row is written; calls made while a write is in flight
   * are written together (group commit).
   */
  markSent(id: string, providerId: string, segments: number | null): Promise<void> {
    return this.sent.push({ id, providerId, segments });
  }

  private readonly sent = new GroupWriter<{ id: string; providerId: string; segments: number | null }>(
    async (batch) => {
      await this.db.query(
        `UPDATE messages m SET provider_id = v.provider_id, segments = v.segments,
           sent_at = coalesce(m.sent_at, now()), vars = NULL,
           status = CASE WHEN m.status IN ('pending', 'queued', 'sending') THEN 'sent' ELSE m.status END,
           error_code = NULL, error_message = NULL, updated_at = now()
         FROM unnest($1::bigint[], $2::text[], $3::int[]) AS v(id, provider_id, segments)
         WHERE m.id = v.id AND m.id = ANY($1::bigint[])`,
        [batch.map((b) => b.id), batch.map((b) => b.providerId), batch.map((b) => b.segments)],
      );
      return batch.map(() => undefined);
    },
  );

  /**
   * Marks, just before the provider call, that this attempt (the claim that made `attempts`) hands the message
   * over. False when the row is no longer this attempt's (re-claimed elsewhere, cancelled): then do not send.
   * Throws when the database cannot record it: then do not send either (a send must be recordable).
   */
  markCalling(id: string, attempts: number): Promise<boolean> {
    return this.calling.push({ id, attempts });
  }

  private readonly calling = new GroupWriter<{ id: string; attempts: number }, boolean>(async (batch) => {
    const [rows] = await this.db.query(
      `UPDATE messages m SET provider_call_at = now()
       FROM unnest($1::bigint[], $2::int[]) AS v(id, attempts)
       WHERE m.id = v.id AND m.id = ANY($1::bigint[]) AND m.status = 'sending' AND m.attempts = v.attempts
       RETURNING m.id::text AS id`,
      [batch.map((b) => b.id), batch.map((b) => b.attempts)],
    );
    const marked = new Set((rows as Array<{ id: string }>).map((r) => r.id));
    return batch.map((b) => marked.has(b.id));
  });

  async markFinal(id: string, status: 'failed' | 'skipped' | 'cancelled', code: string, message: string) {
    await this.db.query(
      `UPDATE messages SET status = $2, error_code = $3, error_message = $4, vars = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('pending', 'queued', 'sending')`,
      [id, status, code, message.slice(0, 300)],
    );
  }

  async isOptedOut(msisdnHmac: string): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM sms_opt_outs WHERE msisdn_hmac = $1`, [msisdnHmac]);
    return rows.length > 0;
  }

  async optOut(msisdnHmac: string): Promise<void> {
    await this.db.query(`INSERT INTO sms_opt_outs (msisdn_hmac) VALUES ($1) ON CONFLICT DO NOTHING`, [
      msisdnHmac,
    ]);
  }

  async optIn(msisdnHmac: string): Promise<void> {
    await this.db.query(`DELETE FROM sms_opt_outs WHERE msisdn_hmac = $1`, [msisdnHmac]);
  }
}
