import { RouteTable } from './types';

/** Who may call each foundation route. The e2e matrix test fails for any route missing from a table. */
export const routes: RouteTable = {
  'POST /auth/login': 'public',
  'POST /auth/logout': ['comms', 'support', 'supervisor', 'admin'],
  'GET /auth/me': ['comms', 'support', 'supervisor', 'admin'],
  'POST /auth/totp/setup': ['comms', 'support', 'supervisor', 'admin'],
  'POST /auth/totp/confirm': ['comms', 'support', 'supervisor', 'admin'],
  'GET /auth/api-keys': ['admin'],
  'POST /auth/api-keys': ['admin'],
  'DELETE /auth/api-keys/:id': ['admin'],
  'GET /users': ['supervisor', 'admin'],
  'POST /users': ['admin'],
  'PATCH /users/:id': ['admin'],
  'GET /audit': ['supervisor', 'admin'],
  'POST /customer/auth/request-code': 'public',
  'POST /customer/auth/verify': 'public',
  'POST /customer/auth/logout': 'customer',
  'GET /customer/me': 'customer',
  'GET /health': 'public',
  'GET /metrics': 'public',
};
