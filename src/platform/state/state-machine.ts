/**
 * The one shape of a state machine: a table `event → { from: states it may start from, to }`, pure data.
 * `next` answers where an event leads (null: not allowed from there), `from` the states it may start from
 * (the WHERE of the conditional UPDATE, see `changeState`), `refusal` the words for a refused event.
 */
export type TransitionTable<S extends string, E extends string> = Record<E, { from: readonly S[]; to: S }>;

export interface StateMachine<S extends string, E extends string> {
  readonly events: readonly E[];
  next(from: S, event: E): S | null;
  from(event: E): readonly S[];
  /** "cannot approve a request that is cancelled (only from: number_reserved)" */
  refusal(noun: string, from: S, event: E): string;
}

export function stateMachine<S extends string, E extends string>(
  table: TransitionTable<S, E>,
): StateMachine<S, E> {
  const events = Object.keys(table) as E[];
  return {
    events,
    next: (from, event) => (table[event].from.includes(from) ? table[event].to : null),
    from: (event) => table[event].from,
    refusal: (noun, from, event) =>
      `cannot ${event} ${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun} that is ${from} (only from: ${table[event].from.join(', ')})`,
  };
}
