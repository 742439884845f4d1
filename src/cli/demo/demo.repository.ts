import { DataSource } from 'typeorm';

/**
 * The demo's own reads across modules (which sample customers are left, what was sent, how many claims),
 * for its summary only: no module exports these questions and nothing in the product needs them.
 */
export class DemoRepository {
  constructor(private readonly db: DataSource) {}

  async offerCount(): Promise<number> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM offers`);
    return n as number;
  }

  async claimCount(offerId: string): Promise<number> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM offer_claims WHERE offer_id = $1`, [
      offerId,
    ]);
    return n as number;
  }

  /** Up to `limit` customers the run matched who have an email, no claim and no number-change request yet. */
  untouchedMatched(runId: string, limit: number): Promise<Array<{ id: string; msisdn: string }>> {
    return this.db.query(
      `SELECT s.id, s.msisdn FROM subscribers s JOIN analysis_matches m ON m.subscriber_id = s.id
       WHERE m.run_id = $1 AND s.email IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM offer_claims c WHERE c.subscriber_id = s.id)
         AND NOT EXISTS (SELECT 1 FROM number_change_requests r WHERE r.subscriber_id = s.id)
       ORDER BY s.msisdn LIMIT $2`,
      [runId, limit],
    );
  }

  /** A message of the campaign that went out (its id makes a reference code to verify). */
  async sentMessageId(campaignId: string): Promise<string | null> {
    const [row] = await this.db.query(
      `SELECT id::text AS id FROM messages WHERE campaign_id = $1 AND status IN ('sent','delivered') ORDER BY id LIMIT 1`,
      [campaignId],
    );
    return (row as { id: string } | undefined)?.id ?? null;
  }

  /** The channel and status of every message whose dedupe key starts with `prefix`. */
  messagesByKeyPrefix(prefix: string): Promise<Array<{ channel: string; status: string }>> {
    const like = prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
    return this.db.query(`SELECT channel, status FROM messages WHERE dedupe_key LIKE $1`, [like]);
  }
}
