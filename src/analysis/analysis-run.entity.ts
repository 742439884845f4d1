import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'duplicate';

/** bigint columns come back from pg as strings; these counts stay far below 2^53. */
const bigintNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

export interface RunOptions {
  format?: 'squid' | 'elff' | 'jsonl';
  squidLogformat?: string;
  allowlist: string[];
  country: string;
}

@Entity('analysis_runs')
export class AnalysisRun {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  status!: RunStatus;

  /** Digest of the file checksums and parameters; set once the files are hashed. */
  @Column({ name: 'run_key', type: 'text', nullable: true })
  runKey!: string | null;

  @Column({ name: 'duplicate_of', type: 'uuid', nullable: true })
  duplicateOf!: string | null;

  @Column({ name: 'incident_id', type: 'text', nullable: true })
  incidentId!: string | null;

  @Column({ name: 'window_from', type: 'timestamptz' })
  windowFrom!: Date;

  @Column({ name: 'window_to', type: 'timestamptz' })
  windowTo!: Date;

  @Column({ type: 'text', array: true })
  partners!: string[];

  @Column({ type: 'jsonb' })
  options!: RunOptions;

  @Column({ name: 'bytes_total', type: 'bigint', transformer: bigintNumber })
  bytesTotal!: number;

  @Column({ name: 'bytes_done', type: 'bigint', transformer: bigintNumber })
  bytesDone!: number;

  @Column({ name: 'lines_read', type: 'bigint', transformer: bigintNumber })
  linesRead!: number;

  @Column({ name: 'lines_malformed', type: 'bigint', transformer: bigintNumber })
  linesMalformed!: number;

  @Column({ type: 'bigint', transformer: bigintNumber })
  exposures!: number;

  @Column({ name: 'partner_exposures', type: 'bigint', transformer: bigintNumber })
  partnerExposures!: number;

  @Column({ name: 'invalid_values', type: 'bigint', transformer: bigintNumber })
  invalidValues!: number;

  @Column({ name: 'distinct_msisdns', type: 'bigint', transformer: bigintNumber })
  distinctMsisdns!: number;

  @Column({ name: 'matched_subscribers', type: 'bigint', transformer: bigintNumber })
  matchedSubscribers!: number;

  @Column({ name: 'unmatched_msisdns', type: 'bigint', transformer: bigintNumber })
  unmatchedMsisdns!: number;

  @Column({ name: 'first_seen', type: 'timestamptz', nullable: true })
  firstSeen!: Date | null;

  @Column({ name: 'last_seen', type: 'timestamptz', nullable: true })
  lastSeen!: Date | null;

  @Column({ type: 'jsonb' })
  excluded!: Record<string, number>;

  /** Exposures per UTC hour, keyed by ISO hour. */
  @Column({ type: 'jsonb' })
  hours!: Record<string, number>;

  @Column({ name: 'top_hosts', type: 'jsonb' })
  topHosts!: { host: string; count: number }[];

  @Column({ name: 'partner_hosts', type: 'jsonb' })
  partnerHosts!: Record<string, number>;

  @Column({ name: 'malformed_samples', type: 'jsonb' })
  malformedSamples!: string[];

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  timings!: RunTimings | null;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}

/** Milliseconds per phase; `spilled` when the run's numbers outgrew the in-memory merge and Postgres summed them. */
export interface RunTimings {
  checksumMs: number;
  scanMs: number;
  finishMs: number;
  /** Of the finish: the numbers stored (the rest is the matches, totals and audit row). */
  numbersMs?: number;
  spilled: boolean;
}
