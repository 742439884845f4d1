import { HttpException, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../platform/config';
import { SubscribeForm, TokenForm } from './dto/status-page.dto';
import { atomFeed, statusJson } from './feeds';
import { CachedPage, StatusPageCache } from './status-cache';
import { MessagePage, StatusPageRenderer } from './status-renderer';
import type { Locale } from '../platform/locales';
import { SubscriptionRefused, SubscriptionsService } from './subscriptions.service';

type Rendered = { status: number; html: string };

/** Maps cache keys to renderings and the subscription flows to pages; the controller only moves bytes. */
@Injectable()
export class StatusPageService {
  private readonly cacheControl: string;

  constructor(
    private readonly cache: StatusPageCache,
    private readonly renderer: StatusPageRenderer,
    private readonly subscriptions: SubscriptionsService,
    private readonly config: AppConfig,
  ) {
    const { maxAgeSeconds, staleSeconds } = config.statusPage;
    this.cacheControl = `public, max-age=${maxAgeSeconds}, stale-while-revalidate=${staleSeconds}, stale-if-error=86400`;
  }

  /** Serves a cached page: 304 when the client's ETag matches; the last rendering when the database is down. */
  async sendCached(req: IncomingMessage, res: ServerResponse, key: string): Promise<void> {
    let page;
    try {
      page = await this.cache.page(key, contentTypeOf(key), (snapshot) => this.render(key, snapshot));
    } catch {
      res.setHeader('Retry-After', '5');
      throw new ServiceUnavailableException('The status page is temporarily unavailable');
    }
    if (!page) throw new NotFoundException('No such incident');
    this.write(req, res, page, this.cache.stale);
  }

  /** Writes a cached page with its validators; 304 when the client's ETag matches. */
  write(req: IncomingMessage, res: ServerResponse, page: CachedPage, stale: boolean): void {
    res.setHeader('Cache-Control', this.cacheControl);
    res.setHeader('ETag', page.etag);
    if (stale) res.setHeader('X-Status-Stale', '1');
    if (req.headers['if-none-match'] === page.etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('Content-Type', page.contentType);
    res.setHeader('Content-Length', page.body.length);
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : page.body);
  }

  /** The cache key of a public page URL, or null (the same keys the controller uses). */
  static keyOf(url: string): string | null {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const lang = query === '' ? 'en' : query === 'lang=cy' ? 'cy' : query === 'lang=en' ? 'en' : null;
    if (path === '/status.json' || path === '/status/feed.atom')
      return query ? null : path === '/status.json' ? 'json' : 'atom';
    if (!lang) return null;
    if (path === '/status') return `index:${lang}`;
    const m = /^\/status\/incidents\/([0-9a-f-]{36})$/.exec(path);
    return m ? `incident:${m[1]}:${lang}` : null;
  }

  async subscribe(incidentId: string, f: SubscribeForm, ip: string): Promise<Rendered> {
    const locale = f.locale ?? 'en';
    const s = this.renderer.strings[locale];
    try {
      const r = await this.subscriptions.subscribe(incidentId, f.channel, f.address, locale, ip);
      if (f.channel === 'email')
        return this.page(202, locale, { heading: s.subscribeTitle, message: s.checkEmail });
      // The same answer whether or not a code went out (an already-confirmed number is not revealed).
      return this.page(202, locale, {
        heading: s.subscribeTitle,
        message: s.enterCode,
        form: {
          action: `/status/subscriptions/${r.id ?? incidentId}/confirm`,
          button: s.confirmButton,
          code: true,
          hidden: [{ name: 'locale', value: locale }],
        },
      });
    } catch (e) {
      if (e instanceof SubscriptionRefused)
        return this.page(e.getStatus(), locale, { heading: s.subscribeTitle, message: s[e.messageKey] });
      throw e;
    }
  }

  confirmPage(id: string, token: string, locale: Locale): string {
    const s = this.renderer.strings[locale];
    return this.renderer.message(locale, {
      heading: s.subscribeTitle,
      message: s.confirmPrompt,
      form: {
        action: `/status/subscriptions/${id}/confirm`,
        button: s.confirmButton,
        hidden: [
          { name: 'token', value: token },
          { name: 'locale', value: locale },
        ],
      },
    });
  }

  async confirm(id: string, f: TokenForm): Promise<Rendered> {
    const locale = f.locale ?? 'en';
    const s = this.renderer.strings[locale];
    const ok = f.code
      ? await this.subscriptions.confirmCode(id, f.code.trim())
      : await this.subscriptions.confirmEmail(id, f.token ?? '');
    return this.page(ok ? 200 : 400, locale, {
      heading: s.subscribeTitle,
      message: ok ? s.confirmed : s.confirmFailed,
    });
  }

  unsubscribePage(id: string, token: string, locale: Locale): string {
    const s = this.renderer.strings[locale];
    if (!this.subscriptions.validUnsubscribeToken(id, token))
      throw new NotFoundException('Unknown or invalid unsubscribe link');
    return this.renderer.message(locale, {
      heading: s.unsubscribeButton,
      message: s.unsubscribePrompt,
      form: {
        action: `/status/subscriptions/${id}/unsubscribe`,
        button: s.unsubscribeButton,
        hidden: [
          { name: 'token', value: token },
          { name: 'locale', value: locale },
        ],
      },
    });
  }

  async unsubscribe(id: string, token: string, locale: Locale): Promise<string | null> {
    if (!(await this.subscriptions.unsubscribe(id, token))) return null;
    const s = this.renderer.strings[locale];
    return this.renderer.message(locale, { heading: s.unsubscribeButton, message: s.unsubscribed });
  }

  private page(status: number, locale: Locale, page: MessagePage): Rendered {
    return { status, html: this.renderer.message(locale, page) };
  }

  private render(key: string, snapshot: Parameters<typeof statusJson>[0]): string | null {
    const base = this.config.http.publicBaseUrl;
    const title = this.renderer.strings.en.siteTitle;
    const [kind, a, b] = key.split(':');
    if (kind === 'json') return JSON.stringify(statusJson(snapshot, base, title));
    if (kind === 'atom') return atomFeed(snapshot, base, title);
    if (kind === 'index') return this.renderer.index(snapshot, a as Locale);
    if (kind === 'incident') return this.renderer.incident(snapshot, a, b as Locale);
    throw new HttpException('unknown page', 500);
  }
}

function contentTypeOf(key: string): string {
  if (key === 'json') return 'application/json; charset=utf-8';
  if (key === 'atom') return 'application/atom+xml; charset=utf-8';
  return 'text/html; charset=utf-8';
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}
