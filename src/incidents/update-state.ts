import { stateMachine } from '../platform/state/state-machine';

/**
 * The life of an incident update, as a pure state machine. The service turns each transition into a
 * conditional UPDATE (`... WHERE status = <from>`), so two people acting at once cannot both win.
 *
 *   draft ──approve──► approved ──publish──► published
 *    │ ▲                  │  ▲
 *    │ └─edit─┐        schedule unschedule
 *    │        │           ▼  │
 * send_back  returned   scheduled ──fire──► published
 *    └───────►┘
 *
 *   draft, returned, approved ──discard──► discarded
 *
 * `returned` is a draft sent back with a comment: editable, out of the approvers' inbox until an edit
 * resubmits it.
 * A published update never changes again; a correction is a new update that points at it.
 */
export const UPDATE_STATES = [
  'draft',
  'returned',
  'approved',
  'scheduled',
  'published',
  'discarded',
] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

export const UPDATE_EVENTS = [
  'edit',
  'approve',
  'send_back',
  'publish',
  'schedule',
  'unschedule',
  'fire',
  'discard',
] as const;
export type UpdateEvent = (typeof UPDATE_EVENTS)[number];

/** The table, in the one state-machine shape (`platform/state`): event → the states it starts from, and where it leads. */
export const updateMachine = stateMachine<UpdateState, UpdateEvent>({
  // an edit of a returned update resubmits it (back in the approvers' inbox)
  edit: { from: ['draft', 'returned'], to: 'draft' },
  approve: { from: ['draft'], to: 'approved' },
  send_back: { from: ['draft'], to: 'returned' },
  publish: { from: ['approved'], to: 'published' },
  schedule: { from: ['approved'], to: 'scheduled' },
  unschedule: { from: ['scheduled'], to: 'approved' },
  fire: { from: ['scheduled'], to: 'published' },
  discard: { from: ['draft', 'returned', 'approved'], to: 'discarded' },
});

/**
 * Who may approve: someone other than the author, holding one of the incident's approver roles
 * (`supervisor` by default, configurable per incident). Returns the refusal, or null when allowed.
 */
export function approvalRefusal(
  approver: { id: string; role: string },
  authorId: string,
  approverRoles: readonly string[],
): string | null {
  if (approver.id === authorId)
    return 'an update must be approved (or sent back) by someone other than its author';
  if (!approverRoles.includes(approver.role))
    return `approval for this incident requires role: ${approverRoles.join(' or ')}`;
  return null;
}
