import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { copyCsvOut } from '../platform/database/copy-out';

/** Finance's reports, one statement each; their column names are the served field names. */
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

/** A report row as served: its columns are the report's public (snake_case) field names and CSV headers. */
export type ReportRow = Record<string, unknown>;

/** The reports' SQL: `$1`/`$2` the period [from, to), `$3` (liability only) the Clock's now. */
@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async rows(name: ReportName, params: Date[]): Promise<ReportRow[]> {
    const rows = await this.db.query<ReportRow[]>(REPORTS[name], params);
    // bigint sums come back as strings; pence stay well inside Number's exact range.
    return rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, k.endsWith('_pence') && v !== null ? Number(v) : v]),
      ),
    );
  }

  csv(name: ReportName, params: Date[], out: Writable): Promise<void> {
    return copyCsvOut(this.db, REPORTS[name], params, out);
  }
}
