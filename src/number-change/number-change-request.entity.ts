import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { FraudSignal } from './fraud-rules';
import type { NumberChangeState } from './number-change-state';

/** A customer's request for a new number. State changes only through NumberChangeTransitions.apply. */
@Entity('number_change_requests')
export class NumberChangeRequest {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'subscriber_id', type: 'uuid' })
  subscriberId!: string;

  @Column({ type: 'text' })
  state!: NumberChangeState;

  @Column({ type: 'text' })
  reason!: string;

  /** E.164 at the time of the request; never log it (mask()). */
  @Column({ name: 'old_msisdn', type: 'text' })
  oldMsisdn!: string;

  /** The pool number the customer chose (E.164). */
  @Column({ name: 'new_msisdn', type: 'text', nullable: true })
  newMsisdn!: string | null;

  @Column({ name: 'email_code_hash', type: 'text', nullable: true, select: false })
  emailCodeHash!: string | null;

  @Column({ name: 'email_code_attempts', type: 'int', default: 0 })
  emailCodeAttempts!: number;

  @Column({ name: 'email_mismatches', type: 'int', default: 0 })
  emailMismatches!: number;

  @Column({ name: 'fraud_signals', type: 'jsonb', default: [] })
  fraudSignals!: FraudSignal[];

  @Column({ name: 'held_for_supervisor', type: 'boolean', default: false })
  heldForSupervisor!: boolean;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'sla_due_at', type: 'timestamptz' })
  slaDueAt!: Date;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt!: Date | null;

  /** Set while a cutover try runs: from then on the request can no longer be cancelled or rejected. */
  @Column({ name: 'cutover_started_at', type: 'timestamptz', nullable: true })
  cutoverStartedAt!: Date | null;

  @Column({ name: 'provisioning_attempts', type: 'int', default: 0 })
  provisioningAttempts!: number;

  @Column({ name: 'provisioning_reference', type: 'text', nullable: true })
  provisioningReference!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'rejection_reason', type: 'text', nullable: true })
  rejectionReason!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;
}
