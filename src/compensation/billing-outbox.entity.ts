import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type BillingEvent = 'credit.issued' | 'credit.reversed';

/** One row per (event, credit), written with the credit: the billing hand-off happens once per row. */
@Entity('billing_outbox')
export class BillingOutbox {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: BillingEvent;

  @Column({ name: 'credit_id', type: 'uuid' })
  creditId!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'text', default: 'pending' })
  status!: 'pending' | 'delivered' | 'dead';

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;
}
