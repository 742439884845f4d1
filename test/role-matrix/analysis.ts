import { RouteTable } from './types';

/** Engineers (supervisor, admin) start runs and export; everyone handling the incident reads results. */
export const routes: RouteTable = {
  'POST /analyses': ['supervisor', 'admin'],
  'GET /analyses': ['comms', 'support', 'supervisor', 'admin'],
  'GET /analyses/:id': ['comms', 'support', 'supervisor', 'admin'],
  'GET /analyses/input-files': ['supervisor', 'admin'],
  'GET /analyses/:id/events': ['comms', 'support', 'supervisor', 'admin'],
  'GET /analyses/:id/report': ['comms', 'support', 'supervisor', 'admin'],
  'GET /analyses/:id/subscribers': ['support', 'supervisor', 'admin'],
  'GET /analyses/:id/subscribers.csv': ['supervisor', 'admin'],
  'GET /customer/exposure': 'customer',
};
