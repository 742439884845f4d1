import { HttpStatus, Injectable } from '@nestjs/common';
import { Conflict, DomainError, InvalidInput } from '../platform/http/domain-error';
import type { Actor } from '../platform/http/actor';
import { NotificationsService } from '../notifications/notifications.service';
import { NumberChangeService } from '../number-change/number-change.service';
import { AppConfig } from '../platform/config';
import { Pseudonymiser } from '../platform/privacy';
import { RateLimiter } from '../platform/redis/redis.module';
import { fill } from '../status-page/customer-pages-view';
import { contactLine, StatusPageRenderer } from '../status-page/status-renderer';
import type { Locale } from '../platform/locales';
import { AccountPagesService, Page, WebCustomer } from './account-pages.service';
import { langQuery, numberChangeView } from './account-view';
import { NotMeForm, NumberChangeStartForm } from './dto/account.dto';

type Outcome = { status?: number; notice?: string; error?: string };

/**
 * "Change my number" as a wizard over NumberChangeService (start, emailed code, numbers kept for a while,
 * choose, state and planned cutover, cancel), and "Not you?" for a person who did not ask for a change.
 */
@Injectable()
export class NumberChangePagesService {
  constructor(
    private readonly renderer: StatusPageRenderer,
    private readonly account: AccountPagesService,
    private readonly requests: NumberChangeService,
    private readonly notifications: NotificationsService,
    private readonly limiter: RateLimiter,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly config: AppConfig,
  ) {}

  /** The latest request (open or not) and, while choosing, the numbers kept for it. */
  async page(who: WebCustomer, locale: Locale, outcome: Outcome = {}): Promise<Page> {
    const s = this.renderer.strings[locale];
    const [subscriber, list] = await Promise.all([
      this.account.subscriber(who),
      this.requests.listForSubscriber(who.subscriberId),
    ]);
    const latest = list[0] ?? null;
    const offers =
      latest && latest.state === 'verified'
        ? await this.requests.currentOffers(who.subscriberId, latest.id)
        : [];
    const view = numberChangeView(latest, offers, !!subscriber.email, locale, s);
    const page = this.account.section(who, subscriber, 'number', 'account-number', locale, {
      ...view,
      notice: outcome.notice ?? null,
      error: outcome.error ?? null,
    });
    return { ...page, status: outcome.status ?? 200 };
  }

  async start(who: WebCustomer, f: NumberChangeStartForm, actor: Actor): Promise<Page> {
    const locale = f.locale ?? 'en';
    const s = this.renderer.strings[locale];
    try {
      await this.requests.create(
        who.subscriberId,
        { reason: f.reason, confirmByEmail: !!f.confirmByEmail },
        actor,
      );
      return this.page(who, locale);
    } catch (e) {
      if (e instanceof Conflict) return this.page(who, locale, { status: 409, notice: s.numberOpenExists });
      if (e instanceof InvalidInput) return this.page(who, locale, { status: 400, error: s.numberNoEmail });
      throw e;
    }
  }

  async confirmEmail(
    who: WebCustomer,
    id: string,
    code: string,
    locale: Locale,
    actor: Actor,
  ): Promise<Page> {
    const s = this.renderer.strings[locale];
    return this.step(
      who,
      locale,
      () => this.requests.confirmEmail(who.subscriberId, id, code.trim(), actor),
      {
        InvalidInput: s.numberEmailCodeWrong,
        [HttpStatus.TOO_MANY_REQUESTS]: s.tooMany,
      },
    );
  }

  async offers(who: WebCustomer, id: string, similar: boolean, locale: Locale, actor: Actor): Promise<Page> {
    const s = this.renderer.strings[locale];
    let count = 0;
    const page = await this.step(who, locale, async () => {
      count = (await this.requests.offer(who.subscriberId, id, similar, actor)).length;
    });
    if (page.status === 200 && count === 0) return this.page(who, locale, { error: s.numberNoneFree });
    return page;
  }

  async choose(who: WebCustomer, id: string, msisdn: string, locale: Locale, actor: Actor): Promise<Page> {
    const s = this.renderer.strings[locale];
    return this.step(who, locale, () => this.requests.choose(who.subscriberId, id, msisdn, actor), {
      Conflict: s.numberNotReserved,
    });
  }

  async cancel(who: WebCustomer, id: string, locale: Locale, actor: Actor): Promise<Page> {
    const s = this.renderer.strings[locale];
    const page = await this.step(who, locale, () => this.requests.cancel(who.subscriberId, id, actor));
    return page.status === 200 ? this.page(who, locale, { notice: s.numberCancelled }) : page;
  }

  /**
   * Runs one step, then shows the request as it now stands. A refusal a person can cause is said on the
   * page (by exception class or status); another customer's request id is a 404 like a missing one.
   */
  private async step(
    who: WebCustomer,
    locale: Locale,
    run: () => Promise<unknown>,
    messages: Record<string | number, string> = {},
  ): Promise<Page> {
    const s = this.renderer.strings[locale];
    try {
      await run();
      return this.page(who, locale);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === HttpStatus.NOT_FOUND) throw e;
      const message = messages[e.constructor.name] ?? messages[e.status];
      if (message) return this.page(who, locale, { status: e.status, error: message });
      if (e instanceof Conflict) return this.page(who, locale, { status: 409, notice: s.numberConflict });
      throw e;
    }
  }

  // ------------------------------------------------------------ "Not you?"

  notMePage(locale: Locale, formCookie: string | undefined, reference = ''): Page {
    const form = this.account.formBinding(formCookie);
    return { status: 200, html: this.notMeHtml(locale, form.value, { reference }), cookies: form.cookies };
  }

  /**
   * Anyone holding a reference from one of our number-change messages can stop the change: every open
   * request of that message's subscriber is held for a supervisor and the account holder is told. The page
   * says the same whether or not anything was held, so it reveals nothing about any request.
   */
  async notMe(f: NotMeForm, formCookie: string | undefined, actor: Actor): Promise<Page> {
    this.account.checkForm(formCookie, f._csrf);
    const locale = f.locale ?? 'en';
    const s = this.renderer.strings[locale];
    const ipKey = this.pseudonymiser.pseudonym(actor.ip ?? '?', 'ip');
    if (!(await this.limiter.hit('not-me-ip', ipKey, 10, 3600)))
      return {
        status: 429,
        html: this.notMeHtml(locale, formCookie!, { error: s.tooMany, reference: f.reference }),
      };
    const message = await this.notifications.sentMessage(f.reference.trim());
    if (
      message?.subscriberId &&
      message.kind.startsWith('number-change-') &&
      message.kind !== 'number-change-reported'
    )
      await this.requests.reportNotMe(
        message.subscriberId,
        { messageId: message.id, channel: message.channel },
        actor,
      );
    const done = fill(s.notMeDone, { phone: this.config.account.supportPhone });
    return { status: 200, html: this.notMeHtml(locale, formCookie!, { done }) };
  }

  private notMeHtml(
    locale: Locale,
    formCookie: string,
    data: { reference?: string; error?: string; done?: string },
  ) {
    const s = this.renderer.strings[locale];
    return this.renderer.render('not-me', locale, s.notMeTitle, '/not-me', {
      reference: '',
      error: null,
      done: null,
      ...data,
      csrf: this.account.csrfFor(formCookie),
      contact: contactLine(s, this.config.account),
      langQuery: langQuery(locale),
    });
  }
}
