import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Every number a subscriber has had, so analysis and notifications still recognise them after a change. */
@Entity('subscriber_number_history')
export class SubscriberNumberHistory {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'subscriber_id', type: 'uuid' })
  subscriberId!: string;

  @Column({ type: 'text' })
  msisdn!: string;

  @Column({ name: 'msisdn_hmac', type: 'text' })
  msisdnHmac!: string;

  @Column({ name: 'valid_from', type: 'timestamptz', default: () => 'now()' })
  validFrom!: Date;

  @Column({ name: 'valid_to', type: 'timestamptz', nullable: true })
  validTo!: Date | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;
}
