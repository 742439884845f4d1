import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A person following one incident's updates by email or SMS. `address` is PII: never log it unmasked. */
@Entity('status_subscriptions')
export class StatusSubscription {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ type: 'text' })
  channel!: 'sms' | 'email';

  /** E.164 number or lower-cased email address. */
  @Column({ type: 'text' })
  address!: string;

  @Column({ name: 'address_hmac', type: 'text' })
  addressHmac!: string;

  @Column({ type: 'text' })
  locale!: 'en' | 'cy';

  @Column({ type: 'text' })
  status!: 'pending' | 'confirmed' | 'unsubscribed';

  @Column({ name: 'secret_hash', type: 'text', nullable: true, select: false })
  secretHash!: string | null;

  @Column({ name: 'secret_expires_at', type: 'timestamptz', nullable: true })
  secretExpiresAt!: Date | null;

  @Column({ type: 'int' })
  attempts!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'unsubscribed_at', type: 'timestamptz', nullable: true })
  unsubscribedAt!: Date | null;
}
