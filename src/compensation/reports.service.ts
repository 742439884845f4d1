import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { Clock } from '../platform/clock/clock';
import { copyCsvOut } from '../platform/database/copy-out';

/**
 * Finance's view. Each report is one SQL statement over [from, to), served as JSON or streamed as CSV
 * (COPY), so an export does not grow the process's memory with the number of rows.
 */
const REPORTS = {
  /** Per offer: who could claim, who did, what the ledger says it cost, and what could still be claimed ($3: now). */
  liability: `
    SELECT o.id AS offer_id, o.name, o.kind, o.value, o.eligibility, o.mode,
           o.claim_closes_at AS claim_closes_at, x.eligible, y.claimed, z.issued_pence,
           CASE WHEN o.kind = 'credit' THEN x.eligible * o.value END AS max_liability_pence,
           CASE WHEN o.kind = 'credit' AND o.claim_closes_at > $3
                THEN greatest(x.eligible - y.claimed, 0) * o.value ELSE 0 END AS outstanding_pence
    FROM offers o
    CROSS JOIN LATERAL (SELECT CASE WHEN o.eligibility = 'all' THEN (SELECT count(*) FROM subscribers)
                          ELSE (SELECT count(*) FROM offer_eligible e WHERE e.offer_id = o.id) END::int AS eligible) x
    CROSS JOIN LATERAL (SELECT count(*)::int AS claimed FROM offer_claims c WHERE c.offer_id = o.id) y
    CROSS JOIN LATERAL (SELECT coalesce(sum(l.amount_pence), 0)::bigint AS issued_pence FROM ledger_lines l
                        WHERE l.account = 'expense:offer:' || o.id) z
    WHERE o.created_at < $2 AND o.claim_closes_at >= $1
    ORDER BY o.created_at`,
  /** Goodwill and offer credits issued in the period, by the agent who asked and the reason. */
  'credits-by-agent': `
    SELECT c.requested_by AS agent_id, u.display_name AS agent_name, c.source, c.reason_code,
           count(*)::int AS credits, sum(c.amount_pence)::bigint AS issued_pence,
           count(c.reversed_at)::int AS reversed,
           coalesce(sum(c.amount_pence) FILTER (WHERE c.reversed_at IS NOT NULL), 0)::bigint AS reversed_pence
    FROM credits c LEFT JOIN staff_users u ON u.id = c.requested_by
    WHERE c.status = 'issued' AND c.created_at >= $1 AND c.created_at < $2
    GROUP BY 1, 2, 3, 4 ORDER BY issued_pence DESC, 1`,
  /** Per UTC day, from the ledger itself: credited, reversed, net. */
  daily: `
    SELECT to_char(date_trunc('day', e.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
           count(*) FILTER (WHERE e.kind <> 'reversal')::int AS credits,
           coalesce(-sum(l.amount_pence) FILTER (WHERE e.kind <> 'reversal'), 0)::bigint AS credited_pence,
           count(*) FILTER (WHERE e.kind = 'reversal')::int AS reversals,
           coalesce(sum(l.amount_pence) FILTER (WHERE e.kind = 'reversal'), 0)::bigint AS reversed_pence,
           (-sum(l.amount_pence))::bigint AS net_pence
    FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id AND l.account LIKE 'customer:%'
    WHERE e.created_at >= $1 AND e.created_at < $2
    GROUP BY 1 ORDER BY 1`,
} as const;

export type ReportName = keyof typeof REPORTS;
export const REPORT_NAMES = Object.keys(REPORTS) as ReportName[];

@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  period(from?: string, to?: string): [Date, Date] {
    const end = to ? new Date(to) : this.clock.now();
    const start = from ? new Date(from) : new Date(end.getTime() - 30 * 86400_000);
    if (!(start < end)) throw new BadRequestException('from must be before to');
    return [start, end];
  }

  async json(name: ReportName, from: Date, to: Date) {
    const rows = await this.db.query(REPORTS[name], this.params(name, from, to));
    // bigint sums come back as strings; pence stay well inside Number's exact range.
    return rows.map((r: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, k.endsWith('_pence') && v !== null ? Number(v) : v]),
      ),
    );
  }

  csv(name: ReportName, from: Date, to: Date, out: Writable): Promise<void> {
    return copyCsvOut(this.db, REPORTS[name], this.params(name, from, to), out);
  }

  /** The period, and for the liability report the Clock's now (what can still be claimed). */
  private params(name: ReportName, from: Date, to: Date): Date[] {
    return name === 'liability' ? [from, to, this.clock.now()] : [from, to];
  }
}
