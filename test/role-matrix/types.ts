import type { StaffRole } from '../../src/identity/roles';

/** 'public': no token needed; 'customer': a signed-in customer only; a role list: staff with those roles. */
export type Access = 'public' | 'customer' | StaffRole[];
/** Keyed by `METHOD /path/:param` exactly as the controller declares it. */
export type RouteTable = Record<string, Access>;
