/** One queue for the module's background work (jobs `billing.deliver` and `offer.apply`, see JOBS). */
export const COMPENSATION_QUEUE = 'compensation';
