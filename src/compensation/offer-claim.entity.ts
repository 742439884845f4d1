import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One customer's claim of one offer; UNIQUE (offer_id, subscriber_id) makes it once only. */
@Entity('offer_claims')
export class OfferClaim {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'offer_id', type: 'uuid' })
  offerId!: string;

  @Column({ name: 'subscriber_id', type: 'uuid' })
  subscriberId!: string;

  @Column({ type: 'text' })
  channel!: 'web' | 'sms' | 'auto';

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
