import { stateMachine } from '../platform/state/state-machine';
import type { CreditStatus } from './credit.entity';

/**
 * A credit above the agent's limit waits for a second person, who issues or rejects it. A credit within the
 * limit is born `issued`; a reversal is a correcting ledger entry on an issued credit, not a state.
 */
export type CreditEvent = 'approve' | 'reject';

export const creditMachine = stateMachine<CreditStatus, CreditEvent>({
  approve: { from: ['pending_approval'], to: 'issued' },
  reject: { from: ['pending_approval'], to: 'rejected' },
});
