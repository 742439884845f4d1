import { RouteTable } from './types';

const agents = ['support', 'supervisor', 'admin'] as const;
const supervisors = ['supervisor', 'admin'] as const;

/** Who may call each compensation route. */
export const routes: RouteTable = {
  'POST /compensation/credits': [...agents],
  'GET /compensation/credits': [...agents],
  'POST /compensation/credits/:id/approve': [...supervisors],
  'POST /compensation/credits/:id/reject': [...supervisors],
  'POST /compensation/credits/:id/reverse': [...supervisors],
  'GET /compensation/subscribers/:id/account': [...agents],
  'POST /compensation/offers': [...supervisors],
  'GET /compensation/offers': [...agents],
  'GET /compensation/offers/:id': [...agents],
  'POST /compensation/offers/:id/eligible': [...supervisors],
  'POST /compensation/offers/:id/approve': [...supervisors],
  'POST /compensation/offers/:id/reject': [...supervisors],
  'GET /compensation/billing/outbox': [...supervisors],
  'POST /compensation/billing/outbox/:id/retry': [...supervisors],
  'GET /compensation/billing/export': [...supervisors],
  'GET /compensation/reports/:name': [...supervisors],
  'GET /customer/offers': 'customer',
  'POST /customer/offers/:id/claim': 'customer',
  'GET /customer/balance': 'customer',
};
