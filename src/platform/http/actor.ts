/** Who did something, as recorded in the audit trail. Built from the request by the @CurrentActor() decorator. */
export interface Actor {
  type: 'staff' | 'customer' | 'system' | 'anonymous';
  id?: string;
  role?: string;
  requestId?: string;
  ip?: string;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'candor' };
