import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Eligibility, OfferKind, OfferMode } from './offer-rules';

export type OfferApproval = 'not_required' | 'pending' | 'approved' | 'rejected';

const BIGINT = {
  to: (v: number | null) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};

@Entity('offers')
export class Offer {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  kind!: OfferKind;

  /** Pence for credit, messages for sms_bundle, MB for data; null for custom. */
  @Column({ type: 'int', nullable: true })
  value!: number | null;

  /** What a custom offer gives, in words. */
  @Column({ type: 'text', nullable: true })
  benefit!: string | null;

  @Column({ type: 'text' })
  eligibility!: Eligibility;

  @Column({ name: 'analysis_run_id', type: 'uuid', nullable: true })
  analysisRunId!: string | null;

  @Column({ name: 'claim_opens_at', type: 'timestamptz' })
  claimOpensAt!: Date;

  @Column({ name: 'claim_closes_at', type: 'timestamptz' })
  claimClosesAt!: Date;

  @Column({ type: 'text' })
  mode!: OfferMode;

  /** SMS reply keyword (stored as typed, matched case-insensitively). */
  @Column({ type: 'text', nullable: true })
  keyword!: string | null;

  /** Message kind used to tell customers about the offer (notifications pipeline). */
  @Column({ type: 'text', default: 'compensation_offer' })
  template!: string;

  /** When an auto-apply offer finished applying to everyone eligible. */
  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true })
  appliedAt!: Date | null;

  /** Credit offers applied automatically or above COMPENSATION_OFFER_APPROVAL_PENCE wait for a second supervisor. */
  @Column({ name: 'approval_status', type: 'text', default: 'not_required' })
  approvalStatus!: OfferApproval;

  /** What the offer could pay in all (value x eligible people), for credit offers; null while unknown. */
  @Column({ name: 'liability_pence', type: 'bigint', nullable: true, transformer: BIGINT })
  liabilityPence!: number | null;

  @Column({ name: 'approved_liability_pence', type: 'bigint', nullable: true, transformer: BIGINT })
  approvedLiabilityPence!: number | null;

  @Column({ name: 'approved_by', type: 'uuid', nullable: true })
  approvedBy!: string | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** Why a supervisor rejected it (set with approval_status 'rejected', which is final). */
  @Column({ name: 'rejected_reason', type: 'text', nullable: true })
  rejectedReason!: string | null;

  @Column({ name: 'rejected_by', type: 'uuid', nullable: true })
  rejectedBy!: string | null;

  @Column({ name: 'rejected_at', type: 'timestamptz', nullable: true })
  rejectedAt!: Date | null;
}
