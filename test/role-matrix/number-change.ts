import { RouteTable } from './types';

const agents = ['support', 'supervisor', 'admin'] as const;

/** Number change: customers act on their own requests; agents work the queue; supervisors see breaches. */
export const routes: RouteTable = {
  'POST /customer/number-change': 'customer',
  'GET /customer/number-change': 'customer',
  'GET /customer/number-change/:id': 'customer',
  'POST /customer/number-change/:id/confirm-email': 'customer',
  'POST /customer/number-change/:id/offers': 'customer',
  'POST /customer/number-change/:id/choose': 'customer',
  'POST /customer/number-change/:id/cancel': 'customer',
  'GET /number-change/requests': [...agents],
  'GET /number-change/requests/:id': [...agents],
  'POST /number-change/requests/:id/approve': [...agents],
  'POST /number-change/requests/:id/reject': [...agents],
  'POST /number-change/requests/:id/schedule': [...agents],
  'GET /number-change/breaches': ['supervisor', 'admin'],
  'GET /number-change/pool': [...agents],
  'POST /number-change/pool/import': ['supervisor', 'admin'],
};
