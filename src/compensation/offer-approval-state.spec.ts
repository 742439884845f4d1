import { OfferApproval } from './offer.entity';
import { offerApprovalMachine } from './offer-approval-state';

describe('offer approval transitions', () => {
  it('a pending offer is approved or rejected', () => {
    expect(offerApprovalMachine.next('pending', 'approve')).toBe('approved');
    expect(offerApprovalMachine.next('pending', 'reject')).toBe('rejected');
  });

  it('an offer that does not wait for approval cannot be decided', () => {
    for (const from of ['not_required', 'approved', 'rejected'] as OfferApproval[])
      for (const event of offerApprovalMachine.events)
        expect(offerApprovalMachine.next(from, event)).toBeNull();
    expect(offerApprovalMachine.refusal('offer', 'approved', 'approve')).toBe(
      'cannot approve an offer that is approved (only from: pending)',
    );
  });
});
