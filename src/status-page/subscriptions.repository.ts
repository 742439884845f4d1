import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Locale } from '../platform/locales';
import { StatusSubscription } from './status-subscription.entity';

export interface NewSubscription {
  incidentId: string;
  channel: 'sms' | 'email';
  address: string;
  addressHmac: string;
  locale: Locale;
  secretHash: string;
  secretExpiresAt: Date;
}

/** The SQL of status-page subscriptions and of the fan-out records (`status_fanouts`). */
@Injectable()
export class SubscriptionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Adds a pending subscription, or renews one not yet confirmed with a new secret; a confirmed one is left
   * alone (null).
   */
  async upsertPending(m: EntityManager, s: NewSubscription): Promise<string | null> {
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO status_subscriptions (incident_id, channel, address, address_hmac, locale, secret_hash, secret_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (incident_id, channel, address_hmac) DO UPDATE
         SET status = 'pending', locale = EXCLUDED.locale, secret_hash = EXCLUDED.secret_hash,
             secret_expires_at = EXCLUDED.secret_expires_at, attempts = 0, unsubscribed_at = NULL
         WHERE status_subscriptions.status <> 'confirmed'
       RETURNING id`,
      [s.incidentId, s.channel, s.address, s.addressHmac, s.locale, s.secretHash, s.secretExpiresAt],
    );
    return rows[0]?.id ?? null;
  }

  /** Confirms a pending email subscription by its link's hash, before it expires; whether it did. */
  async confirmEmail(id: string, hash: string, now: Date): Promise<boolean> {
    const [rows] = await this.db.query(
      `UPDATE status_subscriptions SET status = 'confirmed', confirmed_at = $3
        WHERE id = $1 AND channel = 'email' AND status = 'pending' AND secret_hash = $2 AND secret_expires_at > $3
        RETURNING id`,
      [id, hash, now],
    );
    return rows.length === 1;
  }

  /** One guess at an SMS code, counted in the same statement (parallel guesses cannot exceed `maxAttempts`). */
  async confirmCode(id: string, hash: string, now: Date, maxAttempts: number): Promise<boolean> {
    const [rows] = await this.db.query(
      `UPDATE status_subscriptions
          SET attempts = attempts + 1,
              status = CASE WHEN secret_hash = $2 THEN 'confirmed' ELSE status END,
              confirmed_at = CASE WHEN secret_hash = $2 THEN $3::timestamptz ELSE NULL END
        WHERE id = $1 AND channel = 'sms' AND status = 'pending' AND attempts < $4 AND secret_expires_at > $3
        RETURNING status`,
      [id, hash, now, maxAttempts],
    );
    return rows[0]?.status === 'confirmed';
  }

  async isConfirmedWith(id: string, hash: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM status_subscriptions WHERE id = $1 AND status = 'confirmed' AND secret_hash = $2`,
      [id, hash],
    );
    return rows.length === 1;
  }

  findById(id: string): Promise<StatusSubscription | null> {
    return this.db.getRepository(StatusSubscription).findOne({ where: { id } });
  }

  /** Subscriptions to any of these address HMACs, newest first (at most 50). */
  forAddressHmacs(hmacs: string[]): Promise<StatusSubscription[]> {
    return this.db
      .getRepository(StatusSubscription)
      .createQueryBuilder('s')
      .where('s.address_hmac IN (:...hmacs)', { hmacs })
      .orderBy('s.created_at', 'DESC')
      .limit(50)
      .getMany();
  }

  async unsubscribe(id: string, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE status_subscriptions SET status = 'unsubscribed', unsubscribed_at = $2, secret_hash = NULL
        WHERE id = $1 AND status <> 'unsubscribed'`,
      [id, now],
    );
  }

  /** The next keyset page of an incident's confirmed subscriptions, in id order after `after`. */
  confirmedPage(incidentId: string, after: string, limit: number): Promise<StatusSubscription[]> {
    return this.db
      .getRepository(StatusSubscription)
      .createQueryBuilder('s')
      .where(`s.incident_id = :incidentId AND s.status = 'confirmed' AND s.id > :after`, {
        incidentId,
        after,
      })
      .orderBy('s.id')
      .limit(limit)
      .getMany();
  }

  async addFanout(updateId: string): Promise<void> {
    await this.db.query(`INSERT INTO status_fanouts (update_id) VALUES ($1) ON CONFLICT DO NOTHING`, [
      updateId,
    ]);
  }

  /** Fan-out rows for the updates that have none; answers how many it added. */
  async addMissingFanouts(updateIds: string[]): Promise<number> {
    const [created] = await this.db.query(
      `INSERT INTO status_fanouts (update_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING update_id`,
      [updateIds],
    );
    return created?.length ?? 0;
  }

  /** Updates whose fan-out is not done, oldest first (at most 5000). */
  async openFanouts(): Promise<string[]> {
    const rows: Array<{ updateId: string }> = await this.db.query(
      `SELECT update_id AS "updateId" FROM status_fanouts WHERE done_at IS NULL ORDER BY created_at LIMIT 5000`,
    );
    return rows.map((r) => r.updateId);
  }

  async fanoutDone(updateId: string, at: Date, sent: number): Promise<void> {
    await this.db.query(`UPDATE status_fanouts SET done_at = $2, sent = $3 WHERE update_id = $1`, [
      updateId,
      at,
      sent,
    ]);
  }
}
