import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type CampaignStatus =
  'draft' | 'approved' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
export type AudienceType = 'analysis_run' | 'csv' | 'all_subscribers';
export type ChannelPolicy = 'sms' | 'email' | 'both' | 'sms_else_email' | 'email_first';

@Entity('campaigns')
export class Campaign {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'incident_id', type: 'uuid', nullable: true })
  incidentId!: string | null;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'audience_type', type: 'text' })
  audienceType!: AudienceType;

  @Column({ name: 'audience_ref', type: 'text', nullable: true })
  audienceRef!: string | null;

  @Column({ name: 'channel_policy', type: 'text' })
  channelPolicy!: ChannelPolicy;

  @Column({ type: 'text' })
  status!: CampaignStatus;

  /** English values (what comms wrote, plus the links and operator details Candor filled in). */
  @Column({ type: 'jsonb' })
  vars!: Record<string, string>;

  /** Welsh values over the English ones for Welsh recipients (a missing one falls back to English). */
  @Column({ name: 'vars_cy', type: 'jsonb' })
  varsCy!: Record<string, string>;

  /** Leave out audience members who got the same kind for the same incident recently. */
  @Column({ name: 'exclude_recent_recipients', type: 'boolean' })
  excludeRecentRecipients!: boolean;

  @Column({ name: 'ignore_quiet_hours', type: 'boolean' })
  ignoreQuietHours!: boolean;

  /** Twilio's ValidityPeriod, counted from the campaign's start: an SMS older than this fails (30036). */
  @Column({ name: 'validity_seconds', type: 'int', nullable: true })
  validitySeconds!: number | null;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt!: Date | null;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'approved_by', type: 'text', nullable: true })
  approvedBy!: string | null;

  /** Set while a draft is sent back to its author (out of the approvers' inbox); an edit clears it. */
  @Column({ name: 'returned_comment', type: 'text', nullable: true })
  returnedComment!: string | null;

  @Column({ name: 'returned_by', type: 'uuid', nullable: true })
  returnedBy!: string | null;

  @Column({ name: 'returned_at', type: 'timestamptz', nullable: true })
  returnedAt!: Date | null;

  @Column({ name: 'build_report', type: 'jsonb', nullable: true })
  buildReport!: Record<string, number> | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
