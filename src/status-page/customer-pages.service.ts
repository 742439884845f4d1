import { Injectable } from '@nestjs/common';
import { CustomerExposureService } from '../analysis/customer-exposure.service';
import type { Actor } from '../platform/http/actor';
import { CustomerAuthService } from '../identity/customer-auth.service';
import { NotificationsService } from '../notifications/notifications.service';
import { mask, Pseudonymiser } from '../platform/privacy';
import { RateLimiter } from '../platform/redis/redis.module';
import { SubscribersService } from '../subscribers/subscribers.service';
import { CodeSteps } from './code-steps';
import { exposureAnswer, verifyAnswer } from './customer-pages-view';
import { AffectedCodeForm, AffectedNumberForm } from './dto/customer-pages.dto';
import { StatusPageRenderer } from './status-renderer';
import type { Locale } from '../platform/locales';
import { NotAuthenticated } from '../platform/http/domain-error';

export type Rendered = { status: number; html: string };

/**
 * The customer's own pages: "am I affected?" (one-time code, then the answer, no session kept) and
 * "is this message from us?". Every outcome is a page; errors a customer can cause are explained, not thrown.
 */
@Injectable()
export class CustomerPagesService {
  constructor(
    private readonly renderer: StatusPageRenderer,
    private readonly auth: CustomerAuthService,
    private readonly analysis: CustomerExposureService,
    private readonly subscribers: SubscribersService,
    private readonly notifications: NotificationsService,
    private readonly limiter: RateLimiter,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly codes: CodeSteps,
  ) {}

  affectedStart(locale: Locale): Rendered {
    return { status: 200, html: this.renderer.affected(locale, { start: true }) };
  }

  /** Step 1: the same page whether or not the number is a subscriber (requestCode sends only to subscribers). */
  async requestCode(f: AffectedNumberForm, actor: Actor): Promise<Rendered> {
    const locale = f.locale ?? 'en';
    const r = await this.codes.request(f.msisdn, actor, this.renderer.strings[locale]);
    if (r.ok)
      return {
        status: 200,
        html: this.renderer.affected(locale, { challengeId: r.challengeId, sent: r.sent }),
      };
    return { status: r.status, html: this.renderer.affected(locale, { error: r.error, start: r.badNumber }) };
  }

  /** Step 2: checks the code, then shows that subscriber's answer and nobody else's. */
  async checkCode(f: AffectedCodeForm, actor: Actor): Promise<Rendered> {
    const locale = f.locale ?? 'en';
    const s = this.renderer.strings[locale];
    const token = await this.codes.verify(f.challengeId, f.code, actor);
    if (!token) {
      const html = this.renderer.affected(locale, { error: s.wrongCode, challengeId: f.challengeId });
      return { status: 400, html };
    }
    // The answer is shown once, now: the session verify() opened is not handed out, so close it at once.
    const principal = await this.auth.resolve(token);
    if (principal?.type !== 'customer') throw new NotAuthenticated();
    await this.auth.logout(principal.sessionId);
    const [exposure, subscriber] = await Promise.all([
      this.analysis.customerExposure(principal.subscriberId),
      this.subscribers.findById(principal.subscriberId),
    ]);
    const answer = exposureAnswer(exposure, mask(subscriber?.msisdn), locale, s);
    return { status: 200, html: this.renderer.affected(locale, { answer }) };
  }

  /** "Is this message from us?", the page and the JSON sharing one per-IP budget. */
  async verifyPage(code: string | undefined, locale: Locale, ip: string | undefined): Promise<Rendered> {
    const s = this.renderer.strings[locale];
    if (!code) return { status: 200, html: this.renderer.verify(locale, '', null) };
    if (!(await this.verifyAllowed(ip)))
      return { status: 429, html: this.renderer.verify(locale, code, null, s.tooMany) };
    const answer = verifyAnswer(await this.notifications.verify(code), code, locale, s);
    return { status: 200, html: this.renderer.verify(locale, code, answer) };
  }

  /** GET /verify/:code for API clients: never the recipient, never a campaign's internal name. */
  async verifyJson(code: string, ip: string | undefined): Promise<{ status: number; body: unknown }> {
    if (!(await this.verifyAllowed(ip)))
      return {
        status: 429,
        body: {
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'Too many lookups; try again in a minute',
        },
      };
    return { status: 200, body: await this.notifications.verify(code) };
  }

  private verifyAllowed(ip: string | undefined): Promise<boolean> {
    return this.limiter.hit('verify-ip', this.pseudonymiser.pseudonym(ip ?? '?', 'ip'), 60, 60);
  }
}
