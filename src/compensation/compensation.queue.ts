/** One queue for the module's background work; every payload is an id. */
export const COMPENSATION_QUEUE = 'compensation';

export const JOB = {
  /** { outboxId }: POST one signed billing webhook. */
  deliverBilling: 'billing.deliver',
  /** { offerId }: claim an auto-apply offer for everyone eligible, in batches. */
  applyOffer: 'offer.apply',
  /** {}: re-enqueue work whose job was lost (rows first, jobs second). */
  sweep: 'sweep',
} as const;

export const SWEEP_EVERY_MS = 60_000;
