import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../platform/clock/clock';
import { customerAccount, EntryDraft, isBalanced, LedgerLine } from './ledger';

/**
 * Writes and reads the journal. Posting happens inside the caller's transaction, so a credit and its entry
 * commit together; the database re-checks every entry's balance at commit (a deferred constraint trigger).
 */
@Injectable()
export class LedgerService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Posts entries (any number, in two statements); returns their ids in the order given. */
  async post(m: EntityManager, drafts: EntryDraft[]): Promise<string[]> {
    if (!drafts.length) return [];
    for (const d of drafts) if (!isBalanced(d.lines)) throw new Error(`unbalanced ledger entry: ${d.memo}`);
    const ids = drafts.map(() => randomUUID());
    await m.query(
      // created_at on the Clock: the daily report's period is a Clock time
      `INSERT INTO ledger_entries (id, kind, memo, reverses_entry_id, created_at)
       SELECT *, $5::timestamptz FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])`,
      [
        ids,
        drafts.map((d) => d.kind),
        drafts.map((d) => d.memo),
        drafts.map((d) => d.reverses ?? null),
        this.clock.now(),
      ],
    );
    const lines = drafts.flatMap((d, i) => d.lines.map((l) => ({ entryId: ids[i], ...l })));
    await m.query(
      `INSERT INTO ledger_lines (entry_id, account, amount_pence)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])`,
      [lines.map((l) => l.entryId), lines.map((l) => l.account), lines.map((l) => l.amountPence)],
    );
    return ids;
  }

  async linesOf(m: EntityManager, entryId: string): Promise<LedgerLine[]> {
    const rows = await m.query(
      `SELECT account, amount_pence::int AS "amountPence" FROM ledger_lines WHERE entry_id = $1 ORDER BY id`,
      [entryId],
    );
    return rows;
  }

  /** What we owe a customer: minus the sum of their account's lines. */
  async balance(subscriberId: string): Promise<number> {
    const [row] = await this.db.query(
      `SELECT coalesce(-sum(amount_pence), 0)::bigint AS b FROM ledger_lines WHERE account = $1`,
      [customerAccount(subscriberId)],
    );
    return Number(row.b);
  }

  /** The invariant: all lines sum to zero and no entry is out of balance. */
  async trialBalance(): Promise<{ totalPence: number; entries: number; unbalancedEntries: number }> {
    const [row] = await this.db.query(`
      SELECT (SELECT coalesce(sum(amount_pence), 0) FROM ledger_lines)::bigint AS total,
             (SELECT count(*) FROM ledger_entries)::int AS entries,
             (SELECT count(*) FROM (SELECT e.id FROM ledger_entries e LEFT JOIN ledger_lines l ON l.entry_id = e.id
               GROUP BY e.id HAVING coalesce(sum(l.amount_pence), 0) <> 0 OR count(l.id) < 2) x)::int AS bad`);
    return { totalPence: Number(row.total), entries: row.entries, unbalancedEntries: row.bad };
  }
}
