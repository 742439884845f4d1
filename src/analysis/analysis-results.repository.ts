import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { csvExport } from '../platform/database/copy-out';

/** A matched subscriber's figures in a run. */
export interface SubscriberExposure {
  subscriberId: string;
  accountId: string;
  exposures: number;
  firstSeen: string;
  lastSeen: string;
  topHosts: string[];
}

/** One subscriber's figures in the latest completed run that matched them. */
export interface LatestExposure {
  count: number;
  firstSeen: string;
  lastSeen: string;
  websites: string[];
}

/**
 * A completed run's matches: the finish stores a run's matches before the transaction that completes it, so
 * every reader of them asks for the run's status too (a run's results appear at once, complete).
 */
const COMPLETED = `EXISTS (SELECT 1 FROM analysis_runs c WHERE c.id = m.run_id AND c.status = 'completed')`;

/** The run's rows once matched: what other modules build audiences from (CONTRIBUTING "Analysis results"). */
const MATCHED_SQL = `SELECT m.subscriber_id FROM analysis_matches m
  WHERE m.run_id = (SELECT COALESCE(r.duplicate_of, r.id) FROM analysis_runs r WHERE r.id = $1) AND ${COMPLETED}`;

/** The SQL of a run's results: analysis_matches (subscribers matched, each with their websites). */
@Injectable()
export class AnalysisResultsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stages the subscribers run `runId` matched in a temporary table of `m`'s transaction; returns its name. */
  async stageMatched(m: EntityManager, runId: string): Promise<string> {
    const table = `audience_${randomBytes(8).toString('hex')}`;
    await m.query(`CREATE TEMP TABLE ${table} (subscriber_id uuid NOT NULL) ON COMMIT DROP`);
    await m.query(`INSERT INTO ${table} (subscriber_id) ${MATCHED_SQL}`, [runId]);
    await m.query(`ANALYZE ${table}`);
    return table;
  }

  /** Up to `limit` matched subscribers after `after`, by subscriber id (the result run's id). */
  async matchedPage(
    m: EntityManager,
    runId: string,
    after: string | null,
    limit: number,
  ): Promise<SubscriberExposure[]> {
    const rows: Array<
      Omit<SubscriberExposure, 'exposures'> & { exposures: string; firstSeen: Date; lastSeen: Date }
    > = await m.query(
      `SELECT m.subscriber_id AS "subscriberId", s.account_id AS "accountId", m.exposures,
                m.first_seen AS "firstSeen", m.last_seen AS "lastSeen", m.websites AS "topHosts"
         FROM analysis_matches m JOIN subscribers s ON s.id = m.subscriber_id
         WHERE m.run_id = $1 AND ($2::uuid IS NULL OR m.subscriber_id > $2) AND ${COMPLETED}
         ORDER BY m.subscriber_id LIMIT $3`,
      [runId, after, limit],
    );
    return rows.map((r) => ({
      subscriberId: r.subscriberId,
      accountId: r.accountId,
      exposures: Number(r.exposures),
      firstSeen: new Date(r.firstSeen).toISOString(),
      lastSeen: new Date(r.lastSeen).toISOString(),
      topHosts: r.topHosts ?? [],
    }));
  }

  /**
   * CSV of the matched subscribers (no phone numbers: account and subscriber ids identify them), streamed
   * with COPY TO so it costs the same memory for ten rows or ten million. Its header is the wire format.
   */
  exportCsv(runId: string): Readable {
    return csvExport(
      this.db,
      `SELECT m.subscriber_id, s.account_id, m.exposures,
        to_char(m.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS first_seen,
        to_char(m.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_seen
      FROM analysis_matches m JOIN subscribers s ON s.id = m.subscriber_id
      WHERE m.run_id = $1 AND ${COMPLETED} ORDER BY s.account_id`,
      [runId],
    );
  }

  /** The subscriber's figures in the latest completed run that matched them; null when none did. */
  async latestForSubscriber(subscriberId: string): Promise<LatestExposure | null> {
    const rows: Array<{ count: string; firstSeen: Date; lastSeen: Date; websites: string[] | null }> =
      await this.db.query(
        `SELECT m.exposures AS count, m.first_seen AS "firstSeen", m.last_seen AS "lastSeen", m.websites
         FROM analysis_matches m JOIN analysis_runs r ON r.id = m.run_id
         WHERE m.subscriber_id = $1 AND r.status = 'completed'
         ORDER BY r.finished_at DESC LIMIT 1`,
        [subscriberId],
      );
    const r = rows[0];
    if (!r) return null;
    return {
      count: Number(r.count),
      firstSeen: new Date(r.firstSeen).toISOString(),
      lastSeen: new Date(r.lastSeen).toISOString(),
      websites: r.websites ?? [],
    };
  }
}
