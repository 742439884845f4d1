import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PublicIncident } from '../incidents/incidents.service';
import { Clock } from '../platform/clock/clock';
import type { AnswerView, VerifyAnswerView } from './customer-pages-view';
import { fill } from './customer-pages-view';
import { Locale, LOCALES } from '../platform/locales';
import { incidentView, pageView, Strings } from './status-view';

/** templates/status-page, found from here whether running from src (jest) or dist (node). */
export function templatesDir(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'templates', 'status-page');
    if (existsSync(join(candidate, 'layout.hbs'))) return candidate;
  }
  throw new Error('templates/status-page not found');
}

/** The "am I affected?" page at one of its steps: the number form, the code form or the answer. */
export interface AffectedPage {
  error?: string;
  start?: boolean;
  challengeId?: string;
  sent?: string;
  answer?: AnswerView;
}

const ACCOUNT_PAGES = [
  'home',
  'error',
  'not-me',
  'account-sign-in',
  'account',
  'account-messages',
  'account-offers',
  'account-number',
  'account-updates',
] as const;
export type AccountPageName = (typeof ACCOUNT_PAGES)[number];
type PageName = 'layout' | 'index' | 'incident' | 'message' | 'affected' | 'verify' | AccountPageName;

export interface MessagePage {
  heading: string;
  message: string;
  form?: { action: string; button: string; code?: boolean; hidden: Array<{ name: string; value: string }> };
}

/**
 * Server-rendered public pages (no JavaScript): one layout, shared partials, strings per language in
 * strings.<locale>.json. Compiled once, strictly: a typo in a template fails at boot, not on a page view.
 */
@Injectable()
export class StatusPageRenderer {
  private readonly hbs = Handlebars.create();
  private readonly pages: Record<PageName, HandlebarsTemplateDelegate>;
  readonly strings: Record<Locale, Strings>;

  constructor(private readonly clock: Clock) {
    const dir = templatesDir();
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    const compile = (f: string) => this.hbs.compile(read(f), { strict: true, knownHelpersOnly: true });
    this.hbs.registerPartial('incident', compile('incident.partial.hbs'));
    this.hbs.registerPartial('help', compile('help.partial.hbs'));
    this.hbs.registerPartial('accountNav', compile('account-nav.partial.hbs'));
    this.hbs.registerPartial('csrf', compile('csrf.partial.hbs'));
    this.pages = {
      ...(Object.fromEntries(ACCOUNT_PAGES.map((p) => [p, compile(`${p}.hbs`)])) as Record<
        AccountPageName,
        HandlebarsTemplateDelegate
      >),
      layout: compile('layout.hbs'),
      index: compile('index.hbs'),
      incident: compile('incident.hbs'),
      message: compile('message.hbs'),
      affected: compile('affected.hbs'),
      verify: compile('verify.hbs'),
    };
    // strings.<l>.json: the status page's; account.<l>.json: home, My account, "Not you?", error pages.
    this.strings = Object.fromEntries(
      LOCALES.map((l) => [
        l,
        { ...JSON.parse(read(`strings.${l}.json`)), ...JSON.parse(read(`account.${l}.json`)) },
      ]),
    ) as Record<Locale, Strings>;
  }

  index(incidents: PublicIncident[], locale: Locale): string {
    const s = this.strings[locale];
    const view = pageView(incidents, locale, s, this.clock.now());
    return this.wrap(locale, s.siteTitle, '/status', { ...view, h: 3, hSub: 4, linkTitles: true }, 'index');
  }

  /** `/`: the current incidents in brief, the ways to help yourself, and how to reach a person. */
  home(
    incidents: PublicIncident[],
    locale: Locale,
    contact: { supportPhone: string; supportHours: string },
  ): string {
    const s = this.strings[locale];
    const { current } = pageView(incidents, locale, s);
    return this.wrap(locale, s.homeTitle, '/', { current, contact: contactLine(s, contact) }, 'home');
  }

  incident(incidents: PublicIncident[], id: string, locale: Locale): string | null {
    const found = incidents.find((i) => i.id === id);
    if (!found) return null;
    const s = this.strings[locale];
    const incident = incidentView(found, locale, s, this.clock.now());
    return this.wrap(
      locale,
      `${incident.title} · ${s.siteTitle}`,
      `/status/incidents/${id}`,
      {
        incident,
        help: incident.help,
        h: 1,
        hSub: 2,
        linkTitles: false,
      },
      'incident',
    );
  }

  message(locale: Locale, page: MessagePage, path = '/status'): string {
    return this.wrap(locale, page.heading, path, { ...page, form: page.form ?? null }, 'message');
  }

  affected(locale: Locale, page: AffectedPage): string {
    const data = { error: null, start: false, challengeId: null, sent: null, answer: null, ...page };
    return this.wrap(locale, this.strings[locale].affected, '/affected', data, 'affected');
  }

  /** The "check a message is from us" page; the language link keeps the code being checked. */
  verify(locale: Locale, code: string, answer: VerifyAnswerView | null, error: string | null = null): string {
    const path = code ? `/verify?code=${encodeURIComponent(code)}` : '/verify';
    return this.wrap(locale, this.strings[locale].verifyTitle, path, { code, answer, error }, 'verify');
  }

  /** A page of the customer's own pages (home, My account, "Not you?", errors); `path` is its GET address. */
  render(page: AccountPageName, locale: Locale, pageTitle: string, path: string, data: object): string {
    return this.wrap(locale, pageTitle, path, data, page);
  }

  private wrap(
    locale: Locale,
    pageTitle: string,
    path: string,
    data: object,
    page: Exclude<PageName, 'layout'>,
  ) {
    const s = this.strings[locale];
    const langQuery = locale === 'en' ? '' : `?lang=${locale}`;
    const sep = path.includes('?') ? '&' : '?';
    const ctx = { ...data, s, lang: locale, langQuery };
    const content = this.pages[page](ctx, { allowProtoPropertiesByDefault: false });
    return this.pages.layout({
      lang: locale,
      s,
      pageTitle,
      content,
      homeUrl: `/${langQuery}`,
      otherLangUrl: `${path}${s.otherLang === 'en' ? '' : `${sep}lang=${s.otherLang}`}`,
    });
  }
}

/** "Call 0800 123 4567 free (08:00-20:00, UK time)...": OFFICIAL_CONTACTS' first number and SUPPORT_HOURS. */
export function contactLine(s: Strings, c: { supportPhone: string; supportHours: string }): string {
  return fill(s.contactText, { phone: c.supportPhone, hours: c.supportHours });
}
