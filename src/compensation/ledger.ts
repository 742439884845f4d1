/*
 * Double-entry arithmetic over plain data. Convention: a line's amount is signed integer pence, debit
 * positive, credit negative; the lines of one entry sum to zero. Crediting a customer debits an expense
 * account and credits the customer's account, so what we owe a customer is minus the sum of their lines.
 */

/** Largest single amount any path accepts (£100,000): far above any limit, far below Number.MAX_SAFE_INTEGER. */
export const MAX_AMOUNT_PENCE = 10_000_000;

export interface LedgerLine {
  account: string;
  amountPence: number;
}

export interface EntryDraft {
  kind: 'goodwill_credit' | 'offer_credit' | 'reversal';
  memo: string;
  lines: LedgerLine[];
  /** The entry this one reverses (reversals only). */
  reverses?: string;
}

export const GOODWILL_EXPENSE = 'expense:goodwill';
export const customerAccount = (subscriberId: string) => `customer:${subscriberId}`;
export const offerExpenseAccount = (offerId: string) => `expense:offer:${offerId}`;

/** A positive whole number of pence within MAX_AMOUNT_PENCE; the message says which rule failed. */
export function amountProblem(pence: unknown): string | null {
  if (typeof pence !== 'number' || !Number.isFinite(pence)) return 'amount must be a number of pence';
  if (!Number.isInteger(pence)) return 'amount must be a whole number of pence';
  if (pence <= 0) return 'amount must be positive';
  if (pence > MAX_AMOUNT_PENCE) return `amount must not exceed ${formatPence(MAX_AMOUNT_PENCE)}`;
  return null;
}

function assertAmount(pence: number): void {
  const problem = amountProblem(pence);
  if (problem) throw new RangeError(problem);
}

/** Credit `amountPence` to a customer, charged to `expenseAccount`. */
export function creditEntry(
  kind: 'goodwill_credit' | 'offer_credit',
  subscriberId: string,
  amountPence: number,
  expenseAccount: string,
  memo: string,
): EntryDraft {
  assertAmount(amountPence);
  return {
    kind,
    memo,
    lines: [
      { account: expenseAccount, amountPence },
      { account: customerAccount(subscriberId), amountPence: -amountPence },
    ],
  };
}

/** The correction of an entry: the same lines with opposite signs (the ledger is never edited). */
export function reversalEntry(originalId: string, lines: LedgerLine[], memo: string): EntryDraft {
  if (!isBalanced(lines)) throw new RangeError('cannot reverse an unbalanced entry');
  return {
    kind: 'reversal',
    memo,
    reverses: originalId,
    lines: lines.map((l) => ({ account: l.account, amountPence: -l.amountPence })),
  };
}

/** At least two non-zero integer lines summing to exactly zero. */
export function isBalanced(lines: LedgerLine[]): boolean {
  if (lines.length < 2) return false;
  if (lines.some((l) => !Number.isSafeInteger(l.amountPence) || l.amountPence === 0)) return false;
  return lines.reduce((s, l) => s + l.amountPence, 0) === 0;
}

/** What we owe the holder of `account`, from its lines (credits are negative). */
export function balanceOf(account: string, lines: LedgerLine[]): number {
  return 0 - lines.filter((l) => l.account === account).reduce((s, l) => s + l.amountPence, 0);
}

/** 1234 → "£12.34", -5 → "-£0.05". */
export function formatPence(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const abs = Math.abs(pence);
  return `${sign}£${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
