export const STAFF_ROLES = ['comms', 'support', 'supervisor', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is calling, attached to the request by AuthGuard. */
export type Principal =
  | { type: 'staff'; userId: string; role: StaffRole; tokenId: string; via: 'session' | 'api_key' }
  | { type: 'customer'; subscriberId: string; sessionId: string };
