import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('staff_tokens')
export class StaffToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'text' })
  kind!: 'session' | 'api_key';

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'token_hash', type: 'text', select: false })
  tokenHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** API keys: `read` (GET/HEAD only) and/or `write`. Sessions: none (the role decides). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes!: string[];

  /** A session signed in with a second factor. */
  @Column({ type: 'boolean', default: false })
  mfa!: boolean;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
