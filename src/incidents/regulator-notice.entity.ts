import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RegulatorClockKind } from './cadence';

@Entity('incident_regulator_notices')
export class RegulatorNotice {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId!: string;

  @Column({ type: 'text' })
  kind!: RegulatorClockKind;

  @Column({ name: 'notified_at', type: 'timestamptz' })
  notifiedAt!: Date;

  @Column({ type: 'text' })
  reference!: string;

  @Column({ name: 'recorded_by', type: 'uuid' })
  recordedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
