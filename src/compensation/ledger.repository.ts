import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerLine } from './ledger';

/** An entry row about to be written (the lines go in their own statement). */
export interface EntryRow {
  id: string;
  kind: string;
  memo: string;
  reversesEntryId: string | null;
}

export interface LineRow extends LedgerLine {
  entryId: string;
}

export interface TrialBalance {
  totalPence: number;
  entries: number;
  unbalancedEntries: number;
}

/** The journal's SQL: append-only entries and their lines, written in bulk (one statement per table). */
@Injectable()
export class LedgerRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insertEntries(m: EntityManager, entries: EntryRow[], createdAt: Date): Promise<void> {
    await m.query(
      `INSERT INTO ledger_entries (id, kind, memo, reverses_entry_id, created_at)
       SELECT *, $5::timestamptz FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])`,
      [
        entries.map((e) => e.id),
        entries.map((e) => e.kind),
        entries.map((e) => e.memo),
        entries.map((e) => e.reversesEntryId),
        createdAt,
      ],
    );
  }

  async insertLines(m: EntityManager, lines: LineRow[]): Promise<void> {
    await m.query(
      `INSERT INTO ledger_lines (entry_id, account, amount_pence)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])`,
      [lines.map((l) => l.entryId), lines.map((l) => l.account), lines.map((l) => l.amountPence)],
    );
  }

  linesOf(m: EntityManager, entryId: string): Promise<LedgerLine[]> {
    return m.query(
      `SELECT account, amount_pence::int AS "amountPence" FROM ledger_lines WHERE entry_id = $1 ORDER BY id`,
      [entryId],
    );
  }

  /** Minus the sum of an account's lines (what we owe a customer, for a customer account). */
  async owed(account: string): Promise<number> {
    const [row] = await this.db.query<Array<{ b: string }>>(
      `SELECT coalesce(-sum(amount_pence), 0)::bigint AS b FROM ledger_lines WHERE account = $1`,
      [account],
    );
    return Number(row.b);
  }

  async trialBalance(): Promise<TrialBalance> {
    const [row] = await this.db.query<Array<{ total: string; entries: number; bad: number }>>(`
      SELECT (SELECT coalesce(sum(amount_pence), 0) FROM ledger_lines)::bigint AS total,
             (SELECT count(*) FROM ledger_entries)::int AS entries,
             (SELECT count(*) FROM (SELECT e.id FROM ledger_entries e LEFT JOIN ledger_lines l ON l.entry_id = e.id
               GROUP BY e.id HAVING coalesce(sum(l.amount_pence), 0) <> 0 OR count(l.id) < 2) x)::int AS bad`);
    return { totalPence: Number(row.total), entries: row.entries, unbalancedEntries: row.bad };
  }
}
