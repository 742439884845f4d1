import { Injectable } from '@nestjs/common';
import { ErrorPages } from '../platform/http/error-pages';
import { StatusPageRenderer } from '../status-page/status-renderer';
import type { Locale } from '../platform/locales';

/**
 * Errors as pages for browsers: 404, 500 and the rest in the reader's language with a way back; a signed-out
 * visit to My account goes to its sign-in page. API clients keep the JSON error shape (ErrorFilter).
 */
@Injectable()
export class HtmlErrorPages extends ErrorPages {
  constructor(private readonly renderer: StatusPageRenderer) {
    super();
  }

  answer(
    req: { url?: string; originalUrl?: string; headers: Record<string, string | string[] | undefined> },
    statusCode: number,
    requestId: string | undefined,
  ): { html: string } | { redirect: string } | null {
    const url = req.originalUrl ?? req.url ?? '/';
    const locale = localeOf(url, req.headers['accept-language']);
    const lang = locale === 'en' ? '' : `?lang=${locale}`;
    if (statusCode === 401 && /^\/account(\/|\?|$)/.test(url)) return { redirect: `/account/sign-in${lang}` };
    const s = this.renderer.strings[locale];
    // Sign-in and access wording for customers only on customer pages; staff and API routes get generic words.
    const code = String(statusCode);
    const generic = (code === '401' || code === '403') && !isCustomerPage(url) ? `${code}-other` : code;
    const key = generic in s.errorTitle ? generic : 'other';
    const inAccount = url.startsWith('/account');
    const html = this.renderer.render('error', locale, s.errorTitle[key], url.split('?')[0] || '/', {
      heading: s.errorTitle[key],
      text: s.errorText[key],
      backUrl: inAccount ? `/account${lang}` : `/${lang}`,
      backLabel: inAccount ? s.myAccount : s.backHome,
      requestId: requestId ?? null,
    });
    return { html };
  }
}

/** The public and customer pages (home, status, "am I affected?", verify, My account, "Not you?"). */
export function isCustomerPage(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/' || /^\/(status|affected|verify|account|not-me)(\/|\.|$)/.test(path);
}

/** `?lang=cy` (or a `locale` form field is not visible here), else Welsh first in Accept-Language, else English. */
export function localeOf(url: string, acceptLanguage: string | string[] | undefined): Locale {
  const q = url.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const lang = params.get('lang');
  if (lang === 'cy' || lang === 'en') return lang;
  const al = (
    Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '')
  ).toLowerCase();
  return /^\s*cy\b/.test(al) ? 'cy' : 'en';
}
