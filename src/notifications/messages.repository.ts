import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Channel } from './message-kinds';

/** A message as support and the verify page read it (never its content or its address). */
export interface MessageRecord {
  id: string;
  kind: string;
  channel: Channel;
  status: string;
  createdAt: Date;
  sentAt: Date | null;
  errorCode: string | null;
}

/** The message a reference code stands for: what the public verify page may say about it. */
export interface VerifiedMessage {
  channel: Channel;
  kind: string;
  status: string;
  sentAt: Date | null;
  subscriberId: string | null;
}

/** Reads of sent messages (the outbox's writes are in OutboxRepository). */
@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A subscriber's messages, newest first. */
  forSubscriber(subscriberId: string, limit: number): Promise<MessageRecord[]> {
    return this.db.query(
      `SELECT id::text AS id, kind, channel, status, created_at AS "createdAt", sent_at AS "sentAt",
         error_code AS "errorCode"
       FROM messages WHERE subscriber_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [subscriberId, limit],
    );
  }

  async forVerification(id: string): Promise<VerifiedMessage | null> {
    const [row] = await this.db.query(
      `SELECT m.channel, m.kind, m.status, m.sent_at AS "sentAt", m.subscriber_id AS "subscriberId"
       FROM messages m WHERE m.id = $1`,
      [id],
    );
    return row ?? null;
  }
}
