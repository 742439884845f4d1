import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Channel } from './message-kinds';

export type MessageStatus =
  | 'pending'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'skipped'
  | 'cancelled';

/** One outbox row per message (campaign recipient and channel, or a one-off); see the Notifications migration. */
@Entity('messages')
export class Message {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'campaign_id', type: 'uuid', nullable: true })
  campaignId!: string | null;

  @Column({ name: 'subscriber_id', type: 'uuid', nullable: true })
  subscriberId!: string | null;

  @Column({ type: 'text' })
  channel!: Channel;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  locale!: string;

  /** E.164 or email. Never log it; mask() / maskEmail(). */
  @Column({ name: 'to_address', type: 'text' })
  toAddress!: string;

  @Column({ name: 'dedupe_key', type: 'text', nullable: true })
  dedupeKey!: string | null;

  /** Template variables of a one-off message; cleared once the message is final (privacy). */
  @Column({ type: 'jsonb', nullable: true })
  vars!: Record<string, unknown> | null;

  @Column({ type: 'text' })
  status!: MessageStatus;

  @Column({ type: 'int' })
  attempts!: number;

  @Column({ name: 'provider_id', type: 'text', nullable: true })
  providerId!: string | null;

  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
