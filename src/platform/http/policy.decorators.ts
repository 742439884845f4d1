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

export const INTERACTIVE_KEY = 'candor:interactive';
/**
 * Added to a route's policy: only a person's interactive session may call it (approvals), never an API key,
 * and with a second factor where STAFF_TOTP_REQUIRED applies to the role.
 */
export const Interactive = () => SetMetadata(INTERACTIVE_KEY, true);

export const BEFORE_SECOND_FACTOR_KEY = 'candor:before-second-factor';
/** Reachable by a session that still has to set up its authenticator (sign-out, me, TOTP set-up). */
export const BeforeSecondFactor = () => SetMetadata(BEFORE_SECOND_FACTOR_KEY, true);

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
