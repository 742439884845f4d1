import { CreditStatus } from './credit.entity';
import { creditMachine } from './credit-state';

describe('credit transitions', () => {
  it('a pending credit is issued or rejected', () => {
    expect(creditMachine.next('pending_approval', 'approve')).toBe('issued');
    expect(creditMachine.next('pending_approval', 'reject')).toBe('rejected');
  });

  it('a decided credit cannot be decided again', () => {
    for (const from of ['issued', 'rejected'] as CreditStatus[])
      for (const event of creditMachine.events) expect(creditMachine.next(from, event)).toBeNull();
  });
});
