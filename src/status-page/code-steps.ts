import { HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { CustomerAuthService } from '../identity/customer-auth.service';
import type { Actor } from '../platform/http/actor';
import { mask } from '../platform/privacy';
import { SubscribersService } from '../subscribers/subscribers.service';
import { fill } from './customer-pages-view';
import type { Strings } from './status-view';

export type CodeRequested =
  | { ok: true; challengeId: string; sent: string }
  | { ok: false; status: number; error: string; badNumber: boolean };

/**
 * The two steps of proving a number by a texted code, as the pages show them ("am I affected?" and My
 * account's sign-in): the same answer whether or not the number is ours, refusals a person can cause as
 * page messages, anything else thrown.
 */
@Injectable()
export class CodeSteps {
  constructor(
    private readonly auth: CustomerAuthService,
    private readonly subscribers: SubscribersService,
  ) {}

  async request(msisdn: string, actor: Actor, s: Strings): Promise<CodeRequested> {
    try {
      const { challengeId } = await this.auth.requestCode(msisdn, actor);
      return {
        ok: true,
        challengeId,
        sent: fill(s.codeSent, { number: mask(this.subscribers.normalise(msisdn)) }),
      };
    } catch (e) {
      const status = e instanceof HttpException ? e.getStatus() : 500;
      if (status === HttpStatus.TOO_MANY_REQUESTS)
        return { ok: false, status, error: s.tooManyCodes, badNumber: false };
      if (status === HttpStatus.BAD_REQUEST)
        return { ok: false, status, error: s.invalidNumber, badNumber: true };
      throw e;
    }
  }

  /** The session token the right code opens, or null for a wrong, expired or used code. */
  async verify(challengeId: string, code: string, actor: Actor): Promise<string | null> {
    try {
      return (await this.auth.verify(challengeId, code.trim(), actor)).token;
    } catch (e) {
      if (e instanceof UnauthorizedException) return null;
      throw e;
    }
  }
}
