import {
  isTerminal,
  NUMBER_CHANGE_EVENTS,
  NUMBER_CHANGE_STATES,
  NumberChangeEvent,
  NumberChangeState,
  numberChangeMachine,
  OPEN_STATES,
  refusal,
} from './number-change-state';

const next = (s: NumberChangeState, e: NumberChangeEvent) => numberChangeMachine.next(s, e);

/** The whole table written out by hand: every (state, event) pair not listed here must be refused. */
const LEGAL: Array<[NumberChangeState, NumberChangeEvent, NumberChangeState]> = [
  ['requested', 'verify', 'verified'],
  ['verified', 'reserve', 'number_reserved'],
  ['number_reserved', 'approve', 'approved'],
  ['approved', 'schedule', 'scheduled'],
  ['scheduled', 'schedule', 'scheduled'],
  ['scheduled', 'complete', 'completed'],
  ['requested', 'expire', 'expired'],
  ['verified', 'expire', 'expired'],
  ['approved', 'hold', 'number_reserved'],
  ['scheduled', 'hold', 'number_reserved'],
  ...(['requested', 'verified', 'number_reserved', 'approved', 'scheduled'] as const).flatMap(
    (s) =>
      [
        [s, 'reject', 'rejected'],
        [s, 'cancel', 'cancelled'],
      ] as Array<[NumberChangeState, NumberChangeEvent, NumberChangeState]>,
  ),
];

const ALL_PAIRS = NUMBER_CHANGE_STATES.flatMap((s) => NUMBER_CHANGE_EVENTS.map((e) => [s, e] as const));
const isLegal = (s: string, e: string) => LEGAL.some(([f, ev]) => f === s && ev === e);
const ILLEGAL = ALL_PAIRS.filter(([s, e]) => !isLegal(s, e));

describe('number-change state machine', () => {
  it.each(LEGAL)('%s --%s--> %s', (from, event, to) => {
    expect(next(from, event)).toBe(to);
    expect(numberChangeMachine.from(event)).toContain(from);
  });

  it.each(ILLEGAL)('refuses %s --%s-->', (from, event) => {
    expect(next(from, event)).toBeNull();
    expect(numberChangeMachine.from(event)).not.toContain(from);
  });

  it('covers every pair exactly once between the legal and illegal lists', () => {
    expect(LEGAL.length + ILLEGAL.length).toBe(NUMBER_CHANGE_STATES.length * NUMBER_CHANGE_EVENTS.length);
    expect(ILLEGAL.length).toBe(61);
  });

  it('explains a refusal in words an agent can act on', () => {
    expect(refusal('cancelled', 'approve')).toBe(
      'Cannot approve a request that is cancelled (only from: number_reserved)',
    );
  });

  it('has no way out of a terminal state', () => {
    for (const s of NUMBER_CHANGE_STATES.filter(isTerminal))
      for (const e of NUMBER_CHANGE_EVENTS) expect(next(s, e)).toBeNull();
    expect(OPEN_STATES).toEqual(['requested', 'verified', 'number_reserved', 'approved', 'scheduled']);
  });
});
