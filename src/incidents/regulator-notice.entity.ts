import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { NoticeKind, NoticePhase } from './regulator-rules';

@Entity('incident_regulator_notices')
export class RegulatorNotice {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ type: 'text' })
  kind!: NoticeKind;

  @Column({ type: 'text' })
  phase!: NoticePhase;

  /** Why the notice came after the deadline (required for a late one where the rule asks). */
  @Column({ name: 'delay_reasons', type: 'text', nullable: true })
  delayReasons!: string | null;

  /** The notification as drafted from the incident when it was recorded (what was sent). */
  @Column({ type: 'jsonb', nullable: true })
  content!: Record<string, unknown> | null;

  @Column({ name: 'notified_at', type: 'timestamptz' })
  notifiedAt!: Date;

  @Column({ type: 'text' })
  reference!: string;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
