import { HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { AnalysisService } from '../analysis/analysis.service';
import type { Actor } from '../platform/http/actor';
import { CustomerAuthService } from '../identity/customer-auth.service';
import { NotificationsService } from '../notifications/notifications.service';
import { mask, Pseudonymiser } from '../platform/privacy';
import { RateLimiter } from '../platform/redis/redis.module';
import { SubscribersService } from '../subscribers/subscribers.service';
import { exposureAnswer, fill, verifyAnswer } from './customer-pages-view';
import { AffectedCodeForm, AffectedNumberForm } from './dto/customer-pages.dto';
import { StatusPageRenderer } from './status-renderer';
import type { Locale } from '../platform/locales';

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
    private readonly analysis: AnalysisService,
    private readonly subscribers: SubscribersService,
    private readonly notifications: NotificationsService,
    private readonly limiter: RateLimiter,
    private readonly pseudonymiser: Pseudonymiser,
  ) {}

  affectedStart(locale: Locale): Rendered {
    return { status: 200, html: this.renderer.affected(locale, { start: true }) };
  }

  /** Step 1: the same page whether or not the number is a subscriber (requestCode sends only to subscribers). */
  async requestCode(f: AffectedNumberForm, actor: Actor): Promise<Rendered> {
    const locale = f.locale ?? 'en';
    const s = this.renderer.strings[locale];
    try {
      const { challengeId } = await this.auth.requestCode(f.msisdn, actor);
      const sent = fill(s.codeSent, { number: mask(this.subscribers.normalise(f.msisdn)) });
      return { status: 200, html: this.renderer.affected(locale, { challengeId, sent }) };
    } catch (e) {
      const status = e instanceof HttpException ? e.getStatus() : 500;
      if (status === HttpStatus.TOO_MANY_REQUESTS)
        return { status, html: this.renderer.affected(locale, { error: s.tooManyCodes }) };
      if (status === HttpStatus.BAD_REQUEST)
        return { status, html: this.renderer.affected(locale, { error: s.invalidNumber, start: true }) };
      throw e;
    }
  }

  /** Step 2: checks the code, then shows that subscriber's answer and nobody else's. */
  async checkCode(f: AffectedCodeForm, actor: Actor): Promise<Rendered> {
    const locale = f.locale ?? 'en';
    const s = this.renderer.strings[locale];
    let token: string;
    try {
      ({ token } = await this.auth.verify(f.challengeId, f.code.trim(), actor));
    } catch (e) {
      if (!(e instanceof UnauthorizedException)) throw e;
      const html = this.renderer.affected(locale, { error: s.wrongCode, challengeId: f.challengeId });
      return { status: 400, html };
    }
    // The answer is shown once, now: the session verify() opened is not handed out, so close it at once.
    const principal = await this.auth.resolve(token);
    if (principal?.type !== 'customer') throw new UnauthorizedException();
    await this.auth.logout(principal.sessionId);
    const [exposure, subscriber] = await Promise.all([
      this.analysis.customerExposure(principal.subscriberId),
      this.subscribers.findById(principal.subscriberId),
    ]);
    const answer = exposureAnswer(exposure, mask(subscriber?.msisdn), locale, s);
    return { status: 200, html: this.renderer.affected(locale, { answer }) };
  }

  /** "Is this message from us?", sharing the JSON lookup's per-IP budget (GET /verify/:code). */
  async verifyPage(code: string | undefined, locale: Locale, ip: string | undefined): Promise<Rendered> {
    const s = this.renderer.strings[locale];
    if (!code) return { status: 200, html: this.renderer.verify(locale, '', null) };
    if (!(await this.limiter.hit('verify-ip', this.pseudonymiser.pseudonym(ip ?? '?', 'ip'), 60, 60)))
      return { status: 429, html: this.renderer.verify(locale, code, null, s.tooMany) };
    const answer = verifyAnswer(await this.notifications.verify(code), code, locale, s);
    return { status: 200, html: this.renderer.verify(locale, code, answer) };
  }
}
