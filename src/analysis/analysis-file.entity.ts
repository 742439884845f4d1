import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The manifest of a run: which files, how big, their SHA-256 and the format they were read as. */
@Entity('analysis_files')
export class AnalysisFile {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ type: 'int' })
  ord!: number;

  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  size!: number;

  @Column({ type: 'text', nullable: true })
  sha256!: string | null;

  @Column({ type: 'text' })
  format!: string;

  @Column({ type: 'boolean' })
  gzip!: boolean;
}
