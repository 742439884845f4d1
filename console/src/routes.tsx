import { createBrowserRouter } from 'react-router';
import { Layout } from './components/Layout';

/** Every screen is its own chunk (first load stays small); the shell and the login page come first. */
const page = (load: () => Promise<{ default: React.ComponentType }>) => async () => ({
  Component: (await load()).default,
});

export const router = createBrowserRouter(
  [
    { path: '/login', lazy: page(() => import('./pages/Login')) },
    {
      path: '/',
      Component: Layout,
      children: [
        { index: true, lazy: page(() => import('./pages/Now')) },
        { path: 'incidents', lazy: page(() => import('./pages/Incidents')) },
        { path: 'incidents/:id', lazy: page(() => import('./pages/IncidentWorkspace')) },
        { path: 'approvals', lazy: page(() => import('./pages/Approvals')) },
        { path: 'customers', lazy: page(() => import('./pages/CustomerSearch')) },
        { path: 'customers/:id', lazy: page(() => import('./pages/Customer')) },
        { path: 'number-changes', lazy: page(() => import('./pages/NumberChanges')) },
        { path: 'number-changes/:id', lazy: page(() => import('./pages/NumberChanges')) },
        { path: 'campaigns', lazy: page(() => import('./pages/Campaigns')) },
        { path: 'campaigns/:id', lazy: page(() => import('./pages/Campaigns')) },
        { path: 'analysis', lazy: page(() => import('./pages/Analysis')) },
        { path: 'analysis/:id', lazy: page(() => import('./pages/Analysis')) },
        { path: 'admin', lazy: page(() => import('./pages/Admin')) },
        { path: '*', lazy: page(() => import('./pages/NotFound')) },
      ],
    },
  ],
  { basename: '/console' },
);
