import { RouteTable } from './types';

const STAFF = ['comms', 'support', 'supervisor', 'admin'] as const;

/** The staff console's own routes: sign-in with a cookie, the approvals inbox and live view, support. */
export const routes: RouteTable = {
  'POST /auth/session': 'public',
  'GET /approvals': [...STAFF],
  'GET /approvals/count': [...STAFF],
  'GET /approvals/returned': [...STAFF],
  'GET /approvals/events': [...STAFF],
  'GET /support/customers': ['support', 'supervisor', 'admin'],
  'GET /support/customers/:id': ['support', 'supervisor', 'admin'],
  'GET /compensation/credits/:id': ['support', 'supervisor', 'admin'],
};
