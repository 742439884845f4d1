import { Column, Entity, PrimaryColumn } from 'typeorm';

export type PoolState = 'available' | 'reserved' | 'assigned' | 'quarantined';

/**
 * A number the operator can hand out. `reserved` with `reservedUntil` is an offer that lapses; `reserved`
 * with no `reservedUntil` is the number a request chose, held until the request completes or closes.
 */
@Entity('number_pool')
export class PoolNumber {
  @PrimaryColumn({ type: 'text' })
  msisdn!: string;

  @Column({ type: 'text' })
  state!: PoolState;

  @Column({ name: 'request_id', type: 'uuid', nullable: true })
  requestId!: string | null;

  @Column({ name: 'reserved_until', type: 'timestamptz', nullable: true })
  reservedUntil!: Date | null;

  @Column({ name: 'assigned_to', type: 'uuid', nullable: true })
  assignedTo!: string | null;

  @Column({ name: 'quarantined_until', type: 'timestamptz', nullable: true })
  quarantinedUntil!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
