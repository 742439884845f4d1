import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { StaffRole } from '../platform/http/principal';

export const IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof IMPACTS)[number];
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

@Entity('incidents')
export class Incident {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ name: 'title_cy', type: 'text', nullable: true })
  titleCy!: string | null;

  @Column({ type: 'text' })
  summary!: string;

  @Column({ name: 'summary_cy', type: 'text', nullable: true })
  summaryCy!: string | null;

  /** What customers should do (public). */
  @Column({ type: 'text' })
  advice!: string;

  @Column({ name: 'advice_cy', type: 'text', nullable: true })
  adviceCy!: string | null;

  @Column({ type: 'text' })
  impact!: Impact;

  /** Changed only by publishing an update (each status change is an update). */
  @Column({ type: 'text' })
  status!: IncidentStatus;

  @Column({ name: 'detected_at', type: 'timestamptz' })
  detectedAt!: Date;

  @Column({ name: 'exposure_from', type: 'timestamptz', nullable: true })
  exposureFrom!: Date | null;

  @Column({ name: 'exposure_to', type: 'timestamptz', nullable: true })
  exposureTo!: Date | null;

  @Column({ name: 'affected_services', type: 'text', array: true })
  affectedServices!: string[];

  @Column({ name: 'analysis_run_ids', type: 'uuid', array: true })
  analysisRunIds!: string[];

  @Column({ name: 'campaign_ids', type: 'uuid', array: true })
  campaignIds!: string[];

  /** Roles that may approve this incident's updates (always a second person). */
  @Column({ name: 'approver_roles', type: 'text', array: true })
  approverRoles!: StaffRole[];

  @Column({ name: 'cadence_minutes', type: 'int' })
  cadenceMinutes!: number;

  @Column({ name: 'cadence_fast_hours', type: 'int' })
  cadenceFastHours!: number;

  @Column({ name: 'cadence_slow_minutes', type: 'int' })
  cadenceSlowMinutes!: number;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;
}
