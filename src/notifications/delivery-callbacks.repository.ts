import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DeliveryStatus } from './outbox.repository';

export interface DeliveryCallback {
  messageId: string;
  providerSid: string;
  status: DeliveryStatus;
  errorCode: string | null;
  /** Twilio's I-Twilio-Idempotency-Token: a retried callback carries the same one and is recorded once. */
  token: string | null;
}

/** A callback that changed its message and carried an error code: its class may call for an action. */
export interface AppliedFailure {
  campaignId: string | null;
  toAddress: string;
  errorCode: string;
}

/** The SQL of delivery callbacks: an append on the hot path, a bulk apply in the worker. */
@Injectable()
export class DeliveryCallbacksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * One INSERT for a whole batch of callbacks (the webhook's group commit), committed without waiting for the
   * WAL flush (`synchronous_commit` off for this statement's transaction only): the webhook answers without an
   * fsync, at the cost that a PostgreSQL crash may lose the last fraction of a second of delivery statuses
   * (the messages themselves are recorded; only their "delivered" may be missing).
   */
  async append(batch: DeliveryCallback[]): Promise<void[]> {
    // A token seen before (Twilio retried the callback) records nothing; so does its twin in the same batch.
    await this.db.query(
      `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
       input AS (
         SELECT DISTINCT ON (coalesce(c.token, c.ord::text)) c.*
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
           WITH ORDINALITY AS c(message_id, provider_sid, status, error_code, token, ord), async_commit
         ORDER BY coalesce(c.token, c.ord::text), c.ord
       ), fresh AS (
         INSERT INTO twilio_callback_tokens (token) SELECT token FROM input WHERE token IS NOT NULL
         ON CONFLICT DO NOTHING RETURNING token
       )
       INSERT INTO delivery_callbacks (message_id, provider_sid, status, error_code)
       SELECT message_id, provider_sid, status, error_code FROM input
       WHERE token IS NULL OR token IN (SELECT token FROM fresh)`,
      [
        batch.map((c) => c.messageId),
        batch.map((c) => c.providerSid),
        batch.map((c) => c.status),
        batch.map((c) => c.errorCode),
        batch.map((c) => c.token),
      ],
    );
    return batch.map(() => undefined);
  }

  /**
   * Later states win; a callback never moves a message backwards (callbacks arrive out of order).
   * Takes up to `limit` recorded callbacks (oldest first; rows another worker holds are skipped), applies the
   * strongest per message in one UPDATE and deletes them, in one statement. Order-proof and idempotent as the
   * single-row rule was: a status moves only forward (queued/sending → sent → final), a row keeps the first
   * provider id it was given, and the times are those of receipt.
   */
  async applyBatch(limit: number): Promise<{ taken: number; applied: number; failures: AppliedFailure[] }> {
    const [row] = await this.db.query(
      `WITH taken AS (
         DELETE FROM delivery_callbacks WHERE id IN (
           SELECT id FROM delivery_callbacks ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING message_id, provider_sid, status, error_code, received_at
       ), best AS (
         SELECT DISTINCT ON (message_id) message_id, provider_sid, status, error_code, received_at,
           CASE status WHEN 'sent' THEN 1 ELSE 2 END AS rank
         FROM taken ORDER BY message_id, CASE status WHEN 'sent' THEN 1 ELSE 2 END DESC, received_at
       ), applied AS (
         UPDATE messages m SET status = b.status, provider_id = coalesce(m.provider_id, b.provider_sid),
           sent_at = coalesce(m.sent_at, b.received_at), vars = NULL,
           delivered_at = CASE WHEN b.status = 'delivered' THEN b.received_at ELSE m.delivered_at END,
           error_code = coalesce(b.error_code, m.error_code), updated_at = now()
         FROM best b
         WHERE m.id = b.message_id AND (m.provider_id IS NULL OR m.provider_id = b.provider_sid)
           AND CASE m.status WHEN 'pending' THEN 0 WHEN 'queued' THEN 0 WHEN 'sending' THEN 0 WHEN 'sent' THEN 1
                ELSE 2 END < b.rank
         RETURNING m.id, m.campaign_id, m.to_address, b.error_code
       )
       SELECT (SELECT count(*) FROM taken)::int AS taken, (SELECT count(*) FROM applied)::int AS applied,
         (SELECT coalesce(json_agg(json_build_object('campaignId', campaign_id::text, 'toAddress', to_address,
            'errorCode', error_code)), '[]'::json) FROM applied WHERE error_code IS NOT NULL) AS failures`,
      [limit],
    );
    return { taken: row.taken, applied: row.applied, failures: row.failures };
  }

  async backlog(): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*)::int AS n FROM delivery_callbacks`);
    return row.n;
  }
}
