import { RouteTable } from './types';

/**
 * My account and "Not you?". Signed-in pages are 'customer' (the cookie session or a customer token);
 * sign-in and "Not you?" are public forms bound to a form cookie (their own CSRF token).
 */
export const routes: RouteTable = {
  'GET /account/sign-in': 'public',
  'POST /account/sign-in': 'public',
  'POST /account/sign-in/code': 'public',
  'POST /account/sign-out': 'customer',
  'GET /account': 'customer',
  'GET /account/messages': 'customer',
  'GET /account/offers': 'customer',
  'POST /account/offers/:id/claim': 'customer',
  'GET /account/number-change': 'customer',
  'POST /account/number-change': 'customer',
  'POST /account/number-change/:id/confirm-email': 'customer',
  'POST /account/number-change/:id/offers': 'customer',
  'POST /account/number-change/:id/choose': 'customer',
  'POST /account/number-change/:id/cancel': 'customer',
  'GET /account/updates': 'customer',
  'POST /account/updates/:id/unsubscribe': 'customer',
  'GET /not-me': 'public',
  'POST /not-me': 'public',
};
