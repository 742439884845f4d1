/**
 * The number-change state machine, the only place its rules live. Pure: no Nest, no database.
 *
 *   requested → verified → number_reserved → approved → scheduled → completed
 *   any open state → rejected (agent) | cancelled (customer); requested/verified → expired (sweeper)
 *   approved/scheduled → number_reserved ("Not you?" report: held until a supervisor approves again)
 *
 * The service applies a transition with `changeState` (a conditional UPDATE `WHERE state = ANY(from)` and its
 * audit row), so two racing callers cannot both apply one.
 */
import { stateMachine } from '../platform/state/state-machine';

export const NUMBER_CHANGE_STATES = [
  'requested',
  'verified',
  'number_reserved',
  'approved',
  'scheduled',
  'completed',
  'rejected',
  'cancelled',
  'expired',
] as const;
export type NumberChangeState = (typeof NUMBER_CHANGE_STATES)[number];

export const NUMBER_CHANGE_EVENTS = [
  'verify',
  'reserve',
  'approve',
  'schedule',
  'complete',
  'reject',
  'cancel',
  'expire',
  'hold',
] as const;
export type NumberChangeEvent = (typeof NUMBER_CHANGE_EVENTS)[number];

export const TERMINAL_STATES: readonly NumberChangeState[] = [
  'completed',
  'rejected',
  'cancelled',
  'expired',
];
export const OPEN_STATES: readonly NumberChangeState[] = NUMBER_CHANGE_STATES.filter(
  (s) => !TERMINAL_STATES.includes(s),
);

const BEFORE_CUTOVER: NumberChangeState[] = [
  'requested',
  'verified',
  'number_reserved',
  'approved',
  'scheduled',
];

/** event → the states it may start from, and where it leads. */
export const numberChangeMachine = stateMachine<NumberChangeState, NumberChangeEvent>({
  verify: { from: ['requested'], to: 'verified' },
  reserve: { from: ['verified'], to: 'number_reserved' },
  approve: { from: ['number_reserved'], to: 'approved' },
  // scheduled → scheduled is a reschedule (e.g. after the provisioning system was down)
  schedule: { from: ['approved', 'scheduled'], to: 'scheduled' },
  complete: { from: ['scheduled'], to: 'completed' },
  reject: { from: BEFORE_CUTOVER, to: 'rejected' },
  cancel: { from: BEFORE_CUTOVER, to: 'cancelled' },
  expire: { from: ['requested', 'verified'], to: 'expired' },
  // "Not you?": an approved or planned change goes back to waiting for a (supervisor's) approval
  hold: { from: ['approved', 'scheduled'], to: 'number_reserved' },
});

/** The refusal as customers and agents read it: "Cannot approve a request that is verified (only from: ...)". */
export function refusal(from: NumberChangeState, event: NumberChangeEvent): string {
  const words = numberChangeMachine.refusal('request', from, event);
  return words[0].toUpperCase() + words.slice(1);
}

export function isTerminal(state: NumberChangeState): boolean {
  return TERMINAL_STATES.includes(state);
}
