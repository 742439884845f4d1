import { stateMachine } from '../platform/state/state-machine';
import type { OfferApproval } from './offer.entity';

/**
 * A credit offer that needs a second supervisor waits (`pending`) for one, who approves or rejects it for
 * good. Whether an offer needs approval at all (`not_required`, or back to `pending` when its list grows) is
 * worked out from its liability (`offerNeedsApproval`), not an event here.
 */
export type OfferApprovalEvent = 'approve' | 'reject';

export const offerApprovalMachine = stateMachine<OfferApproval, OfferApprovalEvent>({
  approve: { from: ['pending'], to: 'approved' },
  reject: { from: ['pending'], to: 'rejected' },
});
