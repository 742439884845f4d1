import createClient from 'openapi-fetch';
import { ApiError, toApiError, type FieldLabels } from '../lib/errors';
import type { components, paths } from './schema';

/** The typed client generated from the API's OpenAPI document (npm run openapi). Same origin, cookie session. */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

function csrfToken(): string | undefined {
  const c = document.cookie.split('; ').find((x) => x.startsWith('candor_csrf='));
  return c ? decodeURIComponent(c.slice('candor_csrf='.length)) : undefined;
}

api.use({
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const t = csrfToken();
      if (t) request.headers.set('X-CSRF-Token', t);
    }
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/auth/session')) {
      const here = location.pathname + location.search;
      if (!location.pathname.endsWith('/login'))
        location.assign(`/console/login?next=${encodeURIComponent(here)}`);
    }
    return response;
  },
});

/**
 * Unwraps an openapi-fetch answer: the data, or an ApiError in plain words. `labels` names the request's
 * fields as the form shows them, so a refusal says "Reason", never `note`.
 */
export async function ok<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
  labels?: FieldLabels,
): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await p;
  } catch {
    throw new ApiError(0, 'Cannot reach Candor. Check your connection and try again.');
  }
  if (!r.response.ok) throw toApiError(r.response.status, r.error, labels);
  return r.data as T;
}

/**
 * A request body as the API documents it. Build bodies as `const body: Body<'XDto'> = {...}` (optional fields as
 * `x: cond ? v : undefined`, never a conditional spread or a cast) so tsc refuses a field the server would refuse.
 */
export type Body<K extends keyof components['schemas']> = components['schemas'][K];
