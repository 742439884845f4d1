import { TEXT_CHANGE_EVENTS, TEXT_CHANGE_STATES, textChangeMachine } from './text-change-state';

describe('text change state machine', () => {
  it('walks every (state, event) pair: only a draft moves, each event to its own end', () => {
    const ends = { apply: 'applied', reject: 'rejected', discard: 'discarded' } as const;
    for (const from of TEXT_CHANGE_STATES)
      for (const event of TEXT_CHANGE_EVENTS)
        expect([from, event, textChangeMachine.next(from, event)]).toEqual([
          from,
          event,
          from === 'draft' ? ends[event] : null,
        ]);
  });

  it('says why a decided change cannot move again', () => {
    expect(textChangeMachine.refusal('text change', 'applied', 'reject')).toBe(
      'cannot reject a text change that is applied (only from: draft)',
    );
  });
});
