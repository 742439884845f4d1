export const STAFF_ROLES = ['comms', 'support', 'supervisor', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is calling, attached to the request by AuthGuard. */
export type Principal =
  | {
      type: 'staff';
      userId: string;
      role: StaffRole;
      tokenId: string;
      via: 'session' | 'api_key';
      /** API key scopes (`read`, `write`); empty for sessions. */
      scopes?: string[];
      /** The session was opened with a TOTP code. */
      mfa?: boolean;
    }
  | { type: 'customer'; subscriberId: string; sessionId: string };

/** Roles whose people approve money or publication: TOTP applies to them (STAFF_TOTP_REQUIRED). */
export const SECOND_FACTOR_ROLES: readonly StaffRole[] = ['supervisor', 'admin'];

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
