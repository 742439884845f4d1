import { RouteTable } from './types';

const ANY_STAFF = ['comms', 'support', 'supervisor', 'admin'] as RouteTable[string];
const WRITERS = ['comms', 'supervisor', 'admin'] as RouteTable[string];

/** Incidents (staff API). Approval additionally checks the incident's approver roles in the service. */
export const routes: RouteTable = {
  'GET /incidents': ANY_STAFF,
  'POST /incidents': WRITERS,
  'GET /incidents/update-templates': ANY_STAFF,
  'GET /incidents/update-templates/:key/versions': ANY_STAFF,
  'PUT /incidents/update-templates/:key': ['supervisor', 'admin'],
  'GET /incidents/breach-log.csv': ['supervisor', 'admin'],
  'GET /incidents/reminders': ANY_STAFF,
  'GET /incidents/:id': ANY_STAFF,
  'PATCH /incidents/:id': WRITERS,
  'POST /incidents/:id/regulator-notices/:kind': ['supervisor', 'admin'],
  'GET /incidents/:id/regulator-notification': WRITERS,
  'GET /incidents/:id/regulator-notification.txt': WRITERS,
  'POST /incidents/:id/text-changes': WRITERS,
  'POST /incidents/:id/text-changes/:changeId/approve': WRITERS,
  'POST /incidents/:id/text-changes/:changeId/discard': WRITERS,
  'POST /incidents/:id/text-changes/:changeId/reject': WRITERS,
  'POST /incidents/:id/updates': WRITERS,
  'PATCH /incidents/:id/updates/:updateId': WRITERS,
  'POST /incidents/:id/updates/:updateId/approve': WRITERS,
  'POST /incidents/:id/updates/:updateId/send-back': WRITERS,
  'POST /incidents/:id/updates/:updateId/publish': WRITERS,
  'POST /incidents/:id/updates/:updateId/schedule': WRITERS,
  'POST /incidents/:id/updates/:updateId/unschedule': WRITERS,
  'POST /incidents/:id/updates/:updateId/discard': WRITERS,
};
