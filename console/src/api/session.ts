import { useQuery } from '@tanstack/react-query';
import { api, ok } from './client';
import type { components } from './schema';

export type Me = components['schemas']['MeDto'];
export type Role = Me['role'];

/** Who is signed in (null when nobody: the login page). */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      const r = await api.GET('/auth/me');
      if (r.response.status === 401) return null;
      return ok(Promise.resolve(r));
    },
    staleTime: 60_000,
    retry: false,
  });
}

export const can = {
  write: (r?: Role) => r === 'comms' || r === 'supervisor' || r === 'admin',
  supervise: (r?: Role) => r === 'supervisor' || r === 'admin',
  support: (r?: Role) => r === 'support' || r === 'supervisor' || r === 'admin',
  admin: (r?: Role) => r === 'admin',
};
