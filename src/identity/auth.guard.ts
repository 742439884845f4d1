import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { POLICY_KEY, Policy } from '../platform/http/policy.decorators';
import { CustomerAuthService } from './customer-auth.service';
import { tokenKind } from './secrets';
import { CSRF_HEADER, csrfRefusal, SESSION_COOKIE } from './session-cookie';
import { StaffAuthService } from './staff-auth.service';

/**
 * Deny by default: a route without a policy decorator is refused (and logged), so forgetting a decorator
 * fails closed. 401 = no or bad credentials; 403 = valid credentials, wrong kind or role.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly staff: StaffAuthService,
    private readonly customers: CustomerAuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const policy = this.reflector.getAllAndOverride<Policy | undefined>(POLICY_KEY, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    const req = ctx.switchToHttp().getRequest();
    if (!policy) {
      this.logger.error(`route without access policy refused: ${req.method} ${req.route?.path ?? req.url}`);
      throw new ForbiddenException('This route has no access policy');
    }
    if (policy.kind === 'public') return true;

    const header: string | undefined = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    // The console's cookie session (staff only): idle expiry, and a CSRF token on every write.
    const cookie: string | undefined = bearer ? undefined : req.cookies?.[SESSION_COOKIE];
    const token = bearer ?? cookie;
    if (!token) throw new UnauthorizedException('Missing bearer token');
    const kind = tokenKind(token);
    if (cookie) {
      if (kind !== 'session') throw new UnauthorizedException('Invalid or expired session');
      const refusal = csrfRefusal(req.method, cookie, req.headers[CSRF_HEADER]);
      if (refusal) throw new ForbiddenException(refusal);
    }
    const principal =
      kind === 'customer'
        ? await this.customers.resolve(token)
        : kind
          ? await this.staff.resolve(token, { idle: !!cookie })
          : null;
    if (!principal)
      throw new UnauthorizedException(
        cookie ? 'Your session has ended; please sign in again' : 'Invalid or expired token',
      );
    req.principal = principal;

    if (policy.kind === 'customer') {
      if (principal.type !== 'customer')
        throw new ForbiddenException('This route is for signed-in customers');
      return true;
    }
    if (principal.type !== 'staff') throw new ForbiddenException('This route is for staff');
    if (!policy.roles.includes(principal.role))
      throw new ForbiddenException(`Requires role: ${policy.roles.join(' or ')}`);
    return true;
  }
}
