import { stateMachine } from '../platform/state/state-machine';
import type { BillingOutbox } from './billing-outbox.entity';

export type DeliveryStatus = BillingOutbox['status'];
export type DeliveryEvent = 'deliver' | 'give_up' | 'retry';

/**
 * A billing delivery waits (`pending`) until the webhook takes it, or is `dead` once its attempts are spent;
 * staff put a dead one back in line. Delivery and giving up are the job's (no audit row); a retry is staff's.
 */
export const deliveryMachine = stateMachine<DeliveryStatus, DeliveryEvent>({
  deliver: { from: ['pending'], to: 'delivered' },
  give_up: { from: ['pending'], to: 'dead' },
  retry: { from: ['dead'], to: 'pending' },
});
