import { Injectable } from '@nestjs/common';
import {
  Conflict,
  Forbidden,
  NotAuthenticated,
  NotFound,
  Unprocessable,
} from '../platform/http/domain-error';
import { CustomerExposureService } from '../analysis/customer-exposure.service';
import type { Actor } from '../platform/http/actor';
import { CreditsService } from '../compensation/credits.service';
import { OfferClaimsService } from '../compensation/offer-claims.service';
import { CustomerAuthService } from '../identity/customer-auth.service';
import {
  clearCookieHeader,
  cookieHeader,
  CUSTOMER_COOKIE,
  FORM_COOKIE,
  formToken,
  newFormCookieValue,
  validFormToken,
} from '../identity/customer-cookie';
import { NotificationsService } from '../notifications/notifications.service';
import { AppConfig } from '../platform/config';
import { mask } from '../platform/privacy';
import { CodeSteps } from '../status-page/code-steps';
import { fill } from '../status-page/customer-pages-view';
import { AccountPageName, StatusPageRenderer } from '../status-page/status-renderer';
import type { Locale } from '../platform/locales';
import { SubscriptionsService } from '../status-page/subscriptions.service';
import { Subscriber } from '../subscribers/subscriber.entity';
import { SubscribersService } from '../subscribers/subscribers.service';
import {
  accountExposure,
  AccountSection,
  creditsView,
  langQuery,
  messagesView,
  navView,
  offersView,
  pounds,
  sectionPath,
  sectionTitle,
  signedInAs,
  updatesView,
} from './account-view';
import { SignInCodeForm, SignInNumberForm } from './dto/account.dto';

/** A page to send: HTML with a status, or a redirect; and any cookies to set. */
export type Page = { status: number; html?: string; redirect?: string; cookies?: string[] };

/** Who is signed in (from the cookie session the guard resolved). */
export interface WebCustomer {
  subscriberId: string;
  sessionId: string;
}

/**
 * My account: sign-in by a one-time code (the flow of "am I affected?", kept as a cookie session), and the
 * pages over the existing services (exposure, messages, offers and balance, updates). Every read and every
 * action is scoped to the signed-in subscriber; another customer's id answers as a missing one.
 */
@Injectable()
export class AccountPagesService {
  constructor(
    private readonly renderer: StatusPageRenderer,
    private readonly auth: CustomerAuthService,
    private readonly subscribers: SubscribersService,
    private readonly analysis: CustomerExposureService,
    private readonly notifications: NotificationsService,
    private readonly offers: OfferClaimsService,
    private readonly credits: CreditsService,
    private readonly subscriptions: SubscriptionsService,
    private readonly config: AppConfig,
    private readonly codes: CodeSteps,
  ) {}

  // ------------------------------------------------------------ before sign-in (double-submit form cookie)

  /** The form cookie the pre-sign-in forms are bound to: the one sent, or a new one to set. */
  formBinding(cookie: string | undefined): { value: string; cookies: string[] } {
    if (cookie) return { value: cookie, cookies: [] };
    const value = newFormCookieValue();
    return { value, cookies: [cookieHeader(FORM_COOKIE, value, this.secure)] };
  }

  /** Refuses a pre-sign-in form whose token does not match the form cookie (a forged cross-site post). */
  checkForm(cookie: string | undefined, token: string | undefined): void {
    if (!validFormToken(this.key, cookie, token))
      throw new Forbidden('This form has expired or did not come from this site');
  }

  csrfFor(binding: string): string {
    return formToken(this.key, binding);
  }

  signInPage(locale: Locale, formCookie: string | undefined, notice: string | null = null): Page {
    const form = this.formBinding(formCookie);
    return { status: 200, html: this.signInHtml(locale, form.value, { notice }), cookies: form.cookies };
  }

  async requestCode(f: SignInNumberForm, formCookie: string | undefined, actor: Actor): Promise<Page> {
    this.checkForm(formCookie, f._csrf);
    const locale = f.locale ?? 'en';
    const r = await this.codes.request(f.msisdn, actor, this.renderer.strings[locale]);
    const step = r.ok ? { challengeId: r.challengeId, sent: r.sent } : { error: r.error };
    return { status: r.ok ? 200 : r.status, html: this.signInHtml(locale, formCookie!, step) };
  }

  /** The code opens a session kept in an HttpOnly SameSite=Lax cookie; then on to My account. */
  async checkCode(f: SignInCodeForm, formCookie: string | undefined, actor: Actor): Promise<Page> {
    this.checkForm(formCookie, f._csrf);
    const locale = f.locale ?? 'en';
    const s = this.renderer.strings[locale];
    const token = await this.codes.verify(f.challengeId, f.code, actor);
    if (!token) {
      const html = this.signInHtml(locale, formCookie!, { error: s.wrongCode, challengeId: f.challengeId });
      return { status: 400, html };
    }
    // The session's idle clock starts now (resolveWebSession moves its end on every request).
    await this.auth.resolveWebSession(token);
    return {
      status: 303,
      redirect: sectionPath('overview', locale),
      cookies: [cookieHeader(CUSTOMER_COOKIE, token, this.secure)],
    };
  }

  async signOut(who: WebCustomer, locale: Locale, formCookie: string | undefined): Promise<Page> {
    await this.auth.logout(who.sessionId);
    const page = this.signInPage(locale, formCookie, this.renderer.strings[locale].signedOut);
    return { ...page, cookies: [clearCookieHeader(CUSTOMER_COOKIE, this.secure), ...(page.cookies ?? [])] };
  }

  // ------------------------------------------------------------ signed in

  async overview(who: WebCustomer, locale: Locale): Promise<Page> {
    const s = this.renderer.strings[locale];
    const [subscriber, exposure] = await Promise.all([
      this.subscriber(who),
      this.analysis.customerExposure(who.subscriberId),
    ]);
    const view = accountExposure(exposure, mask(subscriber.msisdn), locale, s);
    return this.section(who, subscriber, 'overview', 'account', locale, view);
  }

  async messages(who: WebCustomer, locale: Locale): Promise<Page> {
    const s = this.renderer.strings[locale];
    const [subscriber, sent] = await Promise.all([
      this.subscriber(who),
      this.notifications.sentTo(who.subscriberId),
    ]);
    return this.section(who, subscriber, 'messages', 'account-messages', locale, {
      messages: messagesView(sent, locale, s),
    });
  }

  async offersPage(
    who: WebCustomer,
    locale: Locale,
    outcome: { status?: number; notice?: string; error?: string } = {},
  ): Promise<Page> {
    const s = this.renderer.strings[locale];
    const [subscriber, offers, account] = await Promise.all([
      this.subscriber(who),
      this.offers.listForCustomer(who.subscriberId),
      this.credits.account(who.subscriberId),
    ]);
    const page = this.section(who, subscriber, 'offers', 'account-offers', locale, {
      notice: outcome.notice ?? null,
      error: outcome.error ?? null,
      offers: offersView(offers, locale, s),
      balance: fill(s.balanceText, { amount: pounds(account.balancePence, s) }),
      credits: creditsView(account.credits, locale, s),
    });
    return { ...page, status: outcome.status ?? 200 };
  }

  /** One button, once: a second click says it is already claimed (409), and adds nothing. */
  async claim(who: WebCustomer, offerId: string, locale: Locale, actor: Actor): Promise<Page> {
    const s = this.renderer.strings[locale];
    try {
      const r = await this.offers.claim(offerId, who.subscriberId, 'web', actor);
      const name = (await this.offers.listForCustomer(who.subscriberId)).find((o) => o.id === offerId)?.name;
      return this.offersPage(who, locale, {
        notice: fill(s.claimedNotice, { name: name ?? '' }),
        status: r.status,
      });
    } catch (e) {
      if (e instanceof Conflict)
        return this.offersPage(who, locale, { status: 409, error: s.alreadyClaimed });
      if (e instanceof Unprocessable)
        return this.offersPage(who, locale, { status: 422, error: s.claimWindowClosed });
      throw e; // 404 for an offer that is not theirs: the error page
    }
  }

  async updates(who: WebCustomer, locale: Locale, notice: string | null = null): Promise<Page> {
    const s = this.renderer.strings[locale];
    const subscriber = await this.subscriber(who);
    const subs = await this.subscriptions.forAddresses(addressesOf(subscriber));
    return this.section(who, subscriber, 'updates', 'account-updates', locale, {
      notice,
      subscriptions: updatesView(subs, locale, s),
    });
  }

  async unsubscribe(who: WebCustomer, id: string, locale: Locale): Promise<Page> {
    const s = this.renderer.strings[locale];
    const subscriber = await this.subscriber(who);
    const done = await this.subscriptions.unsubscribeOwn(id, addressesOf(subscriber));
    if (!done) throw new NotFound('No such subscription');
    const title = (locale === 'cy' && done.titleCy) || done.title;
    return this.updates(who, locale, fill(s.unsubscribedNotice, { title }));
  }

  // ------------------------------------------------------------ shared by the account pages

  async subscriber(who: WebCustomer): Promise<Subscriber> {
    const subscriber = await this.subscribers.findById(who.subscriberId);
    if (!subscriber) throw new NotAuthenticated();
    return subscriber;
  }

  /** A section of My account: its navigation, who is signed in, and the form token bound to the session. */
  section(
    who: WebCustomer,
    subscriber: Subscriber,
    section: AccountSection,
    page: AccountPageName,
    locale: Locale,
    data: object,
  ): Page {
    const s = this.renderer.strings[locale];
    const html = this.renderer.render(page, locale, sectionTitle(section, s), sectionPath(section, 'en'), {
      error: null,
      notice: null,
      ...data,
      csrf: this.csrfFor(who.sessionId),
      nav: navView(section, locale, s),
      signedInAs: signedInAs(subscriber.msisdn, s),
    });
    return { status: 200, html };
  }

  private signInHtml(
    locale: Locale,
    formCookie: string,
    step: { challengeId?: string; sent?: string; error?: string; notice?: string | null },
  ): string {
    const s = this.renderer.strings[locale];
    return this.renderer.render('account-sign-in', locale, s.signInTitle, '/account/sign-in', {
      challengeId: null,
      sent: null,
      error: null,
      notice: null,
      ...step,
      intro: fill(s.signInIntro, { minutes: this.config.account.idleMinutes }),
      csrf: this.csrfFor(formCookie),
      langQuery: langQuery(locale),
    });
  }

  private get key(): string {
    return this.config.privacy.pseudonymKey;
  }

  private get secure(): boolean {
    return this.config.http.publicBaseUrl.startsWith('https:');
  }
}

/** The addresses a customer's status-page subscriptions may be under: their number and email. */
function addressesOf(s: Subscriber): string[] {
  return [s.msisdn, ...(s.email ? [s.email.toLowerCase()] : [])];
}
