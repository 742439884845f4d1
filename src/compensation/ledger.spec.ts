import {
  amountProblem,
  balanceOf,
  creditEntry,
  customerAccount,
  formatPence,
  GOODWILL_EXPENSE,
  isBalanced,
  MAX_AMOUNT_PENCE,
  reversalEntry,
} from './ledger';

describe('ledger arithmetic', () => {
  const sub = '11111111-1111-4111-8111-111111111111';

  it('builds a balanced credit: expense debited, customer credited', () => {
    const e = creditEntry('goodwill_credit', sub, 1500, GOODWILL_EXPENSE, 'sorry');
    expect(e.lines).toEqual([
      { account: 'expense:goodwill', amountPence: 1500 },
      { account: `customer:${sub}`, amountPence: -1500 },
    ]);
    expect(isBalanced(e.lines)).toBe(true);
    expect(balanceOf(customerAccount(sub), e.lines)).toBe(1500);
  });

  it('reverses an entry with the opposite lines, bringing the balance back to zero', () => {
    const e = creditEntry('goodwill_credit', sub, 999, GOODWILL_EXPENSE, 'x');
    const r = reversalEntry('entry-1', e.lines, 'mistake');
    expect(r).toMatchObject({ kind: 'reversal', reverses: 'entry-1' });
    expect(isBalanced(r.lines)).toBe(true);
    expect(balanceOf(customerAccount(sub), [...e.lines, ...r.lines])).toBe(0);
  });

  it('refuses to reverse an unbalanced set of lines', () => {
    expect(() => reversalEntry('e', [{ account: 'a', amountPence: 1 }], 'x')).toThrow(/unbalanced/);
  });

  it('knows an unbalanced, one-line, zero-line or fractional entry is not balanced', () => {
    expect(isBalanced([])).toBe(false);
    expect(
      isBalanced([
        { account: 'a', amountPence: 0 },
        { account: 'b', amountPence: 0 },
      ]),
    ).toBe(false);
    expect(
      isBalanced([
        { account: 'a', amountPence: 5 },
        { account: 'b', amountPence: -4 },
      ]),
    ).toBe(false);
    expect(
      isBalanced([
        { account: 'a', amountPence: 0.5 },
        { account: 'b', amountPence: -0.5 },
      ]),
    ).toBe(false);
    expect(
      isBalanced([
        { account: 'a', amountPence: 3 },
        { account: 'b', amountPence: -1 },
        { account: 'c', amountPence: -2 },
      ]),
    ).toBe(true);
  });

  it.each([
    [-1, 'amount must be positive'],
    [0, 'amount must be positive'],
    [1.5, 'amount must be a whole number of pence'],
    [Number.NaN, 'amount must be a number of pence'],
    ['100', 'amount must be a number of pence'],
    [MAX_AMOUNT_PENCE + 1, 'amount must not exceed £100000.00'],
  ])('rejects amount %p: %s', (amount, message) => {
    expect(amountProblem(amount)).toBe(message);
  });

  it('accepts the bounds and refuses to build entries outside them', () => {
    expect(amountProblem(1)).toBeNull();
    expect(amountProblem(MAX_AMOUNT_PENCE)).toBeNull();
    expect(() => creditEntry('goodwill_credit', sub, -5, GOODWILL_EXPENSE, 'x')).toThrow(RangeError);
  });

  it('formats pence as pounds', () => {
    expect(formatPence(1234)).toBe('£12.34');
    expect(formatPence(5)).toBe('£0.05');
    expect(formatPence(-205)).toBe('-£2.05');
  });
});
