import { RouteTable } from './types';

/** The public status page: everything is public (subscriptions prove ownership by link or code). */
export const routes: RouteTable = {
  'GET /': 'public',
  'GET /status': 'public',
  'GET /status.json': 'public',
  'GET /status/feed.atom': 'public',
  'GET /status/incidents/:id': 'public',
  // staff: what subscribers would get for an update being drafted
  'POST /incidents/:id/subscriber-preview': ['comms', 'supervisor', 'admin'],
  'POST /status/incidents/:id/subscribe': 'public',
  'GET /status/subscriptions/:id/confirm': 'public',
  'POST /status/subscriptions/:id/confirm': 'public',
  'GET /status/subscriptions/:id/unsubscribe': 'public',
  'POST /status/subscriptions/:id/unsubscribe': 'public',
  // Customer pages: the one-time code sent by text proves who is asking, not a token.
  'GET /affected': 'public',
  'POST /affected': 'public',
  'POST /affected/verify': 'public',
  'GET /verify': 'public',
};
