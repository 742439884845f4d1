import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '../platform/clock/clock';
import { customerAccount, EntryDraft, isBalanced, LedgerLine } from './ledger';
import { LedgerRepository, TrialBalance } from './ledger.repository';

/**
 * Writes and reads the journal. Posting happens inside the caller's transaction, so a credit and its entry
 * commit together; the database re-checks every entry's balance at commit (a deferred constraint trigger).
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly repo: LedgerRepository,
    private readonly clock: Clock,
  ) {}

  /** Posts entries (any number, in two statements); returns their ids in the order given. */
  async post(m: EntityManager, drafts: EntryDraft[]): Promise<string[]> {
    if (!drafts.length) return [];
    for (const d of drafts) if (!isBalanced(d.lines)) throw new Error(`unbalanced ledger entry: ${d.memo}`);
    const ids = drafts.map(() => randomUUID());
    // created_at on the Clock: the daily report's period is a Clock time
    await this.repo.insertEntries(
      m,
      drafts.map((d, i) => ({ id: ids[i], kind: d.kind, memo: d.memo, reversesEntryId: d.reverses ?? null })),
      this.clock.now(),
    );
    await this.repo.insertLines(
      m,
      drafts.flatMap((d, i) => d.lines.map((l) => ({ entryId: ids[i], ...l }))),
    );
    return ids;
  }

  linesOf(m: EntityManager, entryId: string): Promise<LedgerLine[]> {
    return this.repo.linesOf(m, entryId);
  }

  /** What we owe a customer: minus the sum of their account's lines. */
  balance(subscriberId: string): Promise<number> {
    return this.repo.owed(customerAccount(subscriberId));
  }

  /** The invariant: all lines sum to zero and no entry is out of balance. */
  trialBalance(): Promise<TrialBalance> {
    return this.repo.trialBalance();
  }
}
