import type { StaffRole } from '../../src/platform/http/principal';

/**
 * 'public': no token needed; 'signed': public, but only a request signed by the provider gets in (any token,
 * even an admin's, gets 403 without the signature); 'customer': a signed-in customer only; a role list: staff
 * with those roles.
 */
export type Access = 'public' | 'signed' | 'customer' | StaffRole[];
/** Keyed by `METHOD /path/:param` exactly as the controller declares it. */
export type RouteTable = Record<string, Access>;
