import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { IncidentStatus } from './incident.entity';
import type { UpdateState } from './update-state';

/** One update of an incident; once published, a trigger keeps its content immutable. */
@Entity('incident_updates')
export class IncidentUpdate {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ type: 'text' })
  status!: UpdateState;

  /** The incident status this update announces (set on the incident when it is published). */
  @Column({ name: 'incident_status', type: 'text' })
  incidentStatus!: IncidentStatus;

  /** The incident's status before this update was published (shows a move backwards as such). */
  @Column({ name: 'status_from', type: 'text', nullable: true })
  statusFrom!: IncidentStatus | null;

  @Column({ type: 'text' })
  body!: string;

  @Column({ name: 'body_cy', type: 'text', nullable: true })
  bodyCy!: string | null;

  /** Set on a correction: the published update it revises (shown as "corrected at ..."). */
  @Column({ name: 'corrects_id', type: 'uuid', nullable: true })
  correctsId!: string | null;

  @Column({ name: 'next_update_by', type: 'timestamptz', nullable: true })
  nextUpdateBy!: Date | null;

  @Column({ name: 'scheduled_for', type: 'timestamptz', nullable: true })
  scheduledFor!: Date | null;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'approved_by', type: 'uuid', nullable: true })
  approvedBy!: string | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  /** Set while the update is `returned`: what the approver asked the author to change. */
  @Column({ name: 'returned_comment', type: 'text', nullable: true })
  returnedComment!: string | null;

  @Column({ name: 'returned_by', type: 'uuid', nullable: true })
  returnedBy!: string | null;

  @Column({ name: 'returned_at', type: 'timestamptz', nullable: true })
  returnedAt!: Date | null;

  /** Null when the scheduler published it. */
  @Column({ name: 'published_by', type: 'uuid', nullable: true })
  publishedBy!: string | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
