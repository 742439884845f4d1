import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../../platform/config';
import { projectRoot } from '../../platform/paths';
import { LOCALES } from '../../platform/locales';
import { LinkPolicy, offendingLinks } from '../../platform/privacy';
import { Channel, COMMON_VARS, MESSAGE_KINDS } from '../message-kinds';
import { smsInfo, SmsInfo } from '../../channels/sms-segments';
import { asksForSecrets, templateVariables } from './template-checks';
import { ANNEX_II_ITEMS } from '../notice-composition';

export const TEMPLATES_DIR = join(projectRoot(), 'templates');

export interface Rendered {
  kind: string;
  locale: string;
  channel: Channel;
  /** SMS body, or the email's text part. */
  text: string;
  subject?: string;
  html?: string;
  sms?: SmsInfo;
}

interface Compiled {
  text: HandlebarsTemplateDelegate;
  subject?: HandlebarsTemplateDelegate;
  html?: HandlebarsTemplateDelegate;
}

/** Thrown at load when a template breaks a rule; the message names the file and the rule. */
export class TemplateError extends Error {}

/**
 * Loads and checks every template at start: strict Handlebars (a missing value throws), only the kind's
 * declared variables, SMS within the segment limit with links only to the official host, and no message
 * asking for a password or payment details. A bad template stops the app instead of failing at send time.
 */
export class TemplateRegistry {
  private readonly compiled = new Map<string, Compiled>();
  private readonly links: LinkPolicy;

  constructor(
    private readonly config: AppConfig,
    dir: string = TEMPLATES_DIR,
  ) {
    this.links = { baseUrl: config.http.publicBaseUrl, domains: config.comms.officialDomains };
    const problems: string[] = [];
    for (const [kind, def] of Object.entries(MESSAGE_KINDS)) {
      for (const channel of def.channels) {
        for (const locale of LOCALES) {
          const file = join(dir, channel, `${kind}.${locale}.hbs`);
          if (!existsSync(file)) {
            problems.push(`${channel}/${kind}.${locale}.hbs is missing`);
            continue;
          }
          try {
            this.load(kind, locale, channel, readFileSync(file, 'utf8'));
          } catch (e: any) {
            problems.push(`${channel}/${kind}.${locale}.hbs: ${e.message}`);
          }
        }
      }
    }
    if (problems.length) throw new TemplateError(`templates refused:\n  ${problems.join('\n  ')}`);
  }

  /** Compiles and checks one template (also used by tests with inline sources). */
  load(kind: string, locale: string, channel: Channel, source: string): void {
    const def = MESSAGE_KINDS[kind];
    if (!def) throw new TemplateError(`unknown message kind "${kind}"`);
    const parts: { text: string; subject?: string; html?: string } =
      channel === 'email' ? splitEmail(source) : { text: source.trim() };
    const allowed = new Set([...Object.keys(def.vars), ...Object.keys(COMMON_VARS)]);
    for (const [part, src] of Object.entries(parts)) {
      const unknown = [...templateVariables(src)].filter((v) => !allowed.has(v));
      if (unknown.length) throw new TemplateError(`${part} uses unknown variable(s): ${unknown.join(', ')}`);
    }
    // A breach notice's frame must print every Annex II item (its email: the SMS points to the incident).
    if (def.annexII && channel === 'email') {
      const missing = ANNEX_II_ITEMS.flatMap((i) => i.vars).filter(
        (v) => !templateVariables(parts.text).has(v) || !templateVariables(parts.html ?? '').has(v),
      );
      if (missing.length)
        throw new TemplateError(
          `a breach notice must print every Annex II item; missing: ${missing.join(', ')}`,
        );
    }
    if (!def.replyOnly) {
      const used = templateVariables(parts.text);
      if (!used.has('referenceCode') && !used.has('verifyUrl'))
        throw new TemplateError('must print the reference code ({{referenceCode}} or {{verifyUrl}})');
    }
    const opts = { strict: true, noEscape: false };
    const compiled: Compiled = {
      text: Handlebars.compile(parts.text, { ...opts, noEscape: true }),
      subject: parts.subject ? Handlebars.compile(parts.subject, { ...opts, noEscape: true }) : undefined,
      html: parts.html ? Handlebars.compile(parts.html, opts) : undefined,
    };
    const key = `${channel}:${kind}:${locale}`;
    const previous = this.compiled.get(key);
    this.compiled.set(key, compiled);
    try {
      const sample = this.render(kind, locale, channel, this.sampleVars(kind));
      const issues = this.contentIssues(sample);
      if (issues.length) throw new TemplateError(issues.join('; '));
    } catch (e) {
      if (previous) this.compiled.set(key, previous);
      else this.compiled.delete(key);
      throw e;
    }
  }

  /** What a rendered message breaks, if anything (segment limit, foreign links, asking for secrets). */
  contentIssues(r: Rendered): string[] {
    const issues: string[] = [];
    const max = this.config.notifications.smsMaxSegments;
    if (r.sms && r.sms.segments > max) issues.push(`SMS is ${r.sms.segments} segments (max ${max})`);
    // One link rule (platform/privacy/link-rule.ts) over the subject, text and HTML as rendered, so it covers
    // every variable too: https to official domains only, no IP hosts, no other schemes.
    const links = offendingLinks([r.subject, r.text, r.html].filter(Boolean).join('\n'), this.links);
    if (links.length)
      issues.push(`links not allowed: ${links.map((l) => `${l.link} (${l.reason})`).join(', ')}`);
    const asks = asksForSecrets([r.subject, r.text].filter(Boolean).join('\n'));
    if (asks.length) issues.push(`asks for a secret or payment: "${asks[0]}"`);
    return issues;
  }

  /** The link rule on each value itself (F11): a value is refused even where no template prints it. */
  varIssues(vars: Record<string, unknown>): string[] {
    return Object.entries(vars).flatMap(([k, v]) =>
      typeof v === 'string'
        ? offendingLinks(v, this.links).map((l) => `vars.${k}: links not allowed: ${l.link} (${l.reason})`)
        : [],
    );
  }

  has(kind: string, locale: string, channel: Channel): boolean {
    return this.compiled.has(`${channel}:${kind}:${locale}`);
  }

  /** Renders with strict checking; falls back to English when the locale has no template. */
  render(kind: string, locale: string, channel: Channel, vars: Record<string, unknown>): Rendered {
    const loc = this.has(kind, locale, channel) ? locale : 'en';
    const t = this.compiled.get(`${channel}:${kind}:${loc}`);
    if (!t) throw new TemplateError(`no ${channel} template for "${kind}"`);
    const text = t.text(vars).trim();
    return {
      kind,
      locale: loc,
      channel,
      text,
      subject: t.subject?.(vars).trim(),
      html: t.html?.(vars),
      sms: channel === 'sms' ? smsInfo(text) : undefined,
    };
  }

  /** The kind's sample values plus the common ones, with `{base}` made the official base URL. */
  sampleVars(kind: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const base = this.config.http.publicBaseUrl;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries({ ...COMMON_VARS, ...MESSAGE_KINDS[kind]?.vars }))
      out[k] = v.replace('{base}', base);
    return { ...out, ...overrides };
  }
}

/** An email template: `subject: ...`, then `--- text` and the text body, then `--- html` and the HTML body. */
export function splitEmail(source: string): { subject: string; text: string; html: string } {
  const m = source.match(/^subject:(.*)\r?\n---\s*text\s*\r?\n([\s\S]*?)\r?\n---\s*html\s*\r?\n([\s\S]*)$/i);
  if (!m) throw new TemplateError('an email template is "subject: ...", "--- text", body, "--- html", body');
  return { subject: m[1].trim(), text: m[2].trim(), html: m[3].trim() };
}
