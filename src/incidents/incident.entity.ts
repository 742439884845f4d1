import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { StaffRole } from '../platform/http/principal';

export const IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof IMPACTS)[number];
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** The customer-help blocks an incident's public page may show (breach incidents show all by default). */
export const HELP_BLOCKS = ['affected', 'offers', 'number_change'] as const;
export type HelpBlock = (typeof HELP_BLOCKS)[number];

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

  /** The same services in Welsh, in the same order (null: shown in English on Welsh pages). */
  @Column({ name: 'affected_services_cy', type: 'text', array: true, nullable: true })
  affectedServicesCy!: string[] | null;

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

  /** A personal-data breach: regulator clocks run, breach help shows, notices need the Annex II items. */
  @Column({ name: 'personal_data_breach', type: 'boolean' })
  personalDataBreach!: boolean;

  /** When the operator became aware of the breach (credible evidence, not certainty): starts the clocks. */
  @Column({ name: 'became_aware_at', type: 'timestamptz', nullable: true })
  becameAwareAt!: Date | null;

  /** Keys of REGULATOR_RULES (regulator-rules.ts) that apply to this breach. */
  @Column({ name: 'regulator_rules', type: 'text', array: true })
  regulatorRules!: string[];

  @Column({ name: 'help_blocks', type: 'text', array: true })
  helpBlocks!: HelpBlock[];

  /** Gets the cadence reminders first (then the deputy, then every comms user, then supervisors). */
  @Column({ name: 'comms_lead_id', type: 'uuid', nullable: true })
  commsLeadId!: string | null;

  @Column({ name: 'comms_deputy_id', type: 'uuid', nullable: true })
  commsDeputyId!: string | null;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;
}
