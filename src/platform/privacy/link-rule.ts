/**
 * The one link rule for everything that reaches a customer (message templates and their variables, campaign
 * paragraphs, offer names, the status page's text): a link is allowed only over https (or the exact origin of
 * PUBLIC_BASE_URL, which is plain http on a laptop) to an official host: PUBLIC_BASE_URL's host or one of the
 * operator's domains and their subdomains. IP hosts (dotted, decimal or hex, v4 or v6) and every other scheme
 * (javascript:, data:, tel:, ...) are refused. Pure.
 */
export interface LinkPolicy {
  /** PUBLIC_BASE_URL (its origin may be http). */
  baseUrl: string;
  /** Extra official domains (subdomains included). */
  domains: string[];
}

const SCHEME_URL = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s<>"'`]+/gi;
// A scheme followed directly by its target ("javascript:alert", "tel:+44..."); "Tel: 0800 ..." is prose.
const BARE_SCHEME =
  /\b(?:javascript|vbscript|data|file|blob|filesystem|intent|tel|sms|mailto|ftp|wss?):(?=\S)/gi;
const IPV4 = /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])/g;
const HEX_HOST = /(?<![\w.])0x[0-9a-f]{6,8}(?:[/:?#]|(?![\w.]))/gi;
const BARE_HOST = /(?<![\w@.-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:\/[^\s<>"']*)?/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function officialHost(host: string, policy: LinkPolicy): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const base = new URL(policy.baseUrl).hostname.toLowerCase();
  if (h === base) return true;
  return policy.domains.some((d) => h === d || h.endsWith(`.${d}`));
}

function isIpHost(hostname: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith('[');
}

/** Why one absolute URL breaks the rule, or null when it is fine. */
export function urlRefusal(raw: string, policy: LinkPolicy): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a valid link';
  }
  const baseOrigin = new URL(policy.baseUrl).origin;
  // Candor's own links (PUBLIC_BASE_URL, which on a laptop or in tests may be http://127.0.0.1:port).
  if (u.origin === baseOrigin && !u.username && !u.password) return null;
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && u.origin === baseOrigin))
    return u.protocol === 'http:' ? 'not https' : `the ${u.protocol} scheme`;
  if (u.username || u.password) return 'credentials in the link';
  if (isIpHost(u.hostname)) return 'an IP address instead of a domain';
  if (!officialHost(u.hostname, policy)) return `${u.hostname} is not an official domain`;
  return null;
}

export interface LinkFinding {
  link: string;
  reason: string;
}

/** Every link-like fragment of free text that breaks the rule (emails are the privacy check's business). */
export function offendingLinks(text: string, policy: LinkPolicy): LinkFinding[] {
  if (!text) return [];
  const out: LinkFinding[] = [];
  let rest = text.normalize('NFKC').replace(SCHEME_URL, (m) => {
    const link = m.replace(/[.,;:!?)\]]+$/, '');
    const reason = urlRefusal(link, policy);
    if (reason) out.push({ link, reason });
    return ' ';
  });
  rest = rest.replace(EMAIL, ' ');
  for (const m of rest.matchAll(BARE_SCHEME))
    out.push({ link: m[0], reason: `the ${m[0].toLowerCase()} scheme` });
  rest = rest.replace(IPV4, (m) => {
    out.push({ link: m, reason: 'an IP address instead of a domain' });
    return ' ';
  });
  for (const m of rest.matchAll(HEX_HOST))
    out.push({ link: m[0], reason: 'an IP address instead of a domain' });
  for (const m of rest.matchAll(BARE_HOST)) {
    const link = m[0].replace(/[.,;:!?)\]]+$/, '');
    const host = link.split(/[/:]/)[0];
    if (!officialHost(host, policy)) out.push({ link, reason: `${host} is not an official domain` });
  }
  return out;
}
