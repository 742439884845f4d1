import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ReminderKind } from './cadence';

/** A cadence reminder that fired (once per promise and kind: a unique constraint). */
@Entity('incident_reminders')
export class IncidentReminder {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ name: 'update_id', type: 'uuid' })
  updateId!: string;

  @Column({ type: 'text' })
  kind!: ReminderKind;

  @Column({ name: 'next_update_by', type: 'timestamptz' })
  nextUpdateBy!: Date;

  @Column({ name: 'fired_at', type: 'timestamptz' })
  firedAt!: Date;

  @Column({ type: 'int' })
  recipients!: number;
}
