import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  BEFORE_SECOND_FACTOR_KEY,
  INTERACTIVE_KEY,
  POLICY_KEY,
  Policy,
} from '../platform/http/policy.decorators';
import { CustomerAuthService } from './customer-auth.service';
import { AppConfig } from '../platform/config';
import { CSRF_FIELD, CUSTOMER_COOKIE, readCookie, validFormToken } from './customer-cookie';
import { tokenKind } from './secrets';
import { CSRF_HEADER, csrfRefusal, SESSION_COOKIE } from './session-cookie';
import { StaffAuthService } from './staff-auth.service';

const READ_METHODS = ['GET', 'HEAD', 'OPTIONS'];

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
    private readonly config: AppConfig,
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
    // My account's pages: the customer's own cookie, only ever for customer routes (below).
    if (!bearer && policy.kind === 'customer') return this.customerFromCookie(req);
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
    const flag = (key: string) =>
      this.reflector.getAllAndOverride<boolean | undefined>(key, [ctx.getHandler(), ctx.getClass()]) === true;
    if (principal.via === 'api_key') {
      if (flag(INTERACTIVE_KEY))
        throw new ForbiddenException({
          message: 'Approvals need a person signed in, not an API key',
          code: 'interactive_session_required',
        });
      if (!READ_METHODS.includes(req.method) && !principal.scopes?.includes('write'))
        throw new ForbiddenException({ message: 'This API key is read-only', code: 'api_key_scope' });
    } else if (
      !principal.mfa &&
      this.staff.needsSecondFactor(principal.role) &&
      !flag(BEFORE_SECOND_FACTOR_KEY)
    ) {
      throw new ForbiddenException({
        message: 'Set up an authenticator app first (POST /auth/totp/setup), then sign in with its code',
        code: 'totp_enrolment_required',
      });
    }
    return true;
  }

  /**
   * My account's pages: the customer token in its own cookie (never accepted for staff routes), sliding
   * idle expiry, and on anything but GET/HEAD a form token bound to the session (cross-site forgery).
   */
  private async customerFromCookie(req: any): Promise<boolean> {
    const cookie = readCookie(req, CUSTOMER_COOKIE);
    const principal =
      cookie && tokenKind(cookie) === 'customer' ? await this.customers.resolveWebSession(cookie) : null;
    if (!principal || principal.type !== 'customer')
      throw new UnauthorizedException('Not signed in, or the session has ended');
    if (!['GET', 'HEAD'].includes(req.method)) {
      const key = this.config.privacy.pseudonymKey;
      const given = req.body?.[CSRF_FIELD] ?? req.headers['x-csrf-token'];
      if (!validFormToken(key, principal.sessionId, given))
        throw new ForbiddenException('This form has expired or did not come from this site');
    }
    req.principal = principal;
    req.webSession = true;
    return true;
  }
}
