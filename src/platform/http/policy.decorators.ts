import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Actor } from './actor';
import type { Principal, StaffRole } from './principal';

export const POLICY_KEY = 'candor:policy';
export type Policy = { kind: 'public' } | { kind: 'roles'; roles: StaffRole[] } | { kind: 'customer' };

/** Anyone, no token needed (status page, webhooks with their own signature checks, login). */
export const Public = () => SetMetadata(POLICY_KEY, { kind: 'public' } satisfies Policy);
/** Staff with one of these roles (session token or API key). */
export const Roles = (...roles: StaffRole[]) =>
  SetMetadata(POLICY_KEY, { kind: 'roles', roles } satisfies Policy);
/** A signed-in customer; services must scope every query to `principal.subscriberId`. */
export const CustomerOnly = () => SetMetadata(POLICY_KEY, { kind: 'customer' } satisfies Policy);

export function actorFromRequest(req: any): Actor {
  const p: Principal | undefined = req.principal;
  const base = { requestId: req.id as string | undefined, ip: req.ip as string | undefined };
  if (!p) return { type: 'anonymous', ...base };
  if (p.type === 'staff') return { type: 'staff', id: p.userId, role: p.role, ...base };
  return { type: 'customer', id: p.subscriberId, ...base };
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor =>
  actorFromRequest(ctx.switchToHttp().getRequest()),
);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal | undefined => ctx.switchToHttp().getRequest().principal,
);
