import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('subscribers')
export class Subscriber {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'account_id', type: 'text' })
  accountId!: string;

  /** E.164. Never log it; use mask(). */
  @Column({ type: 'text' })
  msisdn!: string;

  /** Keyed HMAC of msisdn (Pseudonymiser): what analysis data joins on. */
  @Column({ name: 'msisdn_hmac', type: 'text' })
  msisdnHmac!: string;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName!: string | null;

  @Column({ type: 'text', default: 'en' })
  locale!: string;

  /** When the number was ported in to the operator, if known (subscribers import); a fraud signal. */
  @Column({ name: 'ported_in_at', type: 'timestamptz', nullable: true })
  portedInAt!: Date | null;

  @Column({ name: 'sms_opt_out', type: 'boolean', default: false })
  smsOptOut!: boolean;

  @Column({ name: 'email_opt_out', type: 'boolean', default: false })
  emailOptOut!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
