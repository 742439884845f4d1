import { stateMachine } from '../platform/state/state-machine';

/**
 * The life of a proposed change to a public incident's text: a draft until a second person applies or rejects
 * it, or its author discards it; every end is final (a new proposal starts again).
 */
export const TEXT_CHANGE_STATES = ['draft', 'applied', 'rejected', 'discarded'] as const;
export type TextChangeStatus = (typeof TEXT_CHANGE_STATES)[number];

export const TEXT_CHANGE_EVENTS = ['apply', 'reject', 'discard'] as const;
export type TextChangeEvent = (typeof TEXT_CHANGE_EVENTS)[number];

export const textChangeMachine = stateMachine<TextChangeStatus, TextChangeEvent>({
  apply: { from: ['draft'], to: 'applied' },
  reject: { from: ['draft'], to: 'rejected' },
  discard: { from: ['draft'], to: 'discarded' },
});
