import { RouteTable } from './types';

const STAFF = ['comms', 'support', 'supervisor', 'admin'] as const;
const SENDERS = ['comms', 'supervisor', 'admin'] as const;

/** Campaigns are written by comms and approved by supervisors; everyone on staff can watch progress. */
export const routes: RouteTable = {
  'POST /campaigns': [...SENDERS],
  'GET /campaigns': [...STAFF],
  'GET /campaigns/:id': [...STAFF],
  'PATCH /campaigns/:id': [...SENDERS],
  'GET /campaigns/:id/preview': [...SENDERS],
  'GET /campaigns/:id/progress': [...STAFF],
  'GET /campaigns/:id/events': [...STAFF],
  'GET /campaigns/:id/outcomes.csv': ['supervisor', 'admin'],
  'POST /campaigns/:id/audience': [...SENDERS],
  'POST /campaigns/:id/approve': ['supervisor', 'admin'],
  'POST /campaigns/:id/send-back': ['supervisor', 'admin'],
  'POST /campaigns/:id/schedule': [...SENDERS],
  'POST /campaigns/:id/start': [...SENDERS],
  'POST /campaigns/:id/pause': [...SENDERS],
  'POST /campaigns/:id/resume': [...SENDERS],
  'POST /campaigns/:id/cancel': [...SENDERS],
  'GET /verify/:code': 'public',
  'GET /notifications/templates': [...SENDERS],
  'POST /notifications/templates/preview': [...SENDERS],
  'GET /sandbox/sms': ['admin'],
  'GET /sandbox/emails': ['admin'],
  'POST /webhooks/twilio/status': 'signed',
  'POST /webhooks/twilio/inbound': 'signed',
};
