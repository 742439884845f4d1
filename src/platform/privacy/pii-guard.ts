import { offendingLinks, LinkPolicy } from './link-rule';
import { mask, maskEmail, scrubPii, containsPhoneNumber } from './pii-text';

/**
 * The privacy check for text the public or a customer reads (incident text, updates, campaign paragraphs,
 * offer names): anything that looks like a phone number, an email address or an account id is refused unless
 * it is one of the operator's official contacts (its helpline, its support address, any address at its
 * domains), and so is any link the link rule refuses. Numbers are found however they are written: spaces,
 * dots, dashes or brackets between the digits, full-width digits. Pure.
 */
export type PiiKind = 'phone number' | 'email address' | 'account id' | 'link';

export interface PiiFinding {
  field: string;
  kind: PiiKind;
  /** The offending fragment, masked (the message is shown and may be logged). */
  masked: string;
}

export interface PublicTextPolicy {
  accountIdPattern: RegExp;
  /** The operator's own numbers and addresses, allowed in public text. */
  officialContacts: string[];
  links: LinkPolicy;
}

const SEP = '[\\s.\\-()\\u00a0]{0,2}';
// National (0 + 9-10 digits), international (+ or 00, 8-15 digits) and 44 + 10 digits, separators anywhere.
const PHONE_PATTERNS = [
  new RegExp(`(?<![\\w+.])\\(?0(?:${SEP}\\d){9,10}(?![\\w])`, 'g'),
  new RegExp(`(?<![\\w.])(?:\\+|00)${SEP}\\d(?:${SEP}\\d){7,14}(?![\\w])`, 'g'),
  new RegExp(`(?<![\\w+.])44(?:${SEP}\\d){10}(?![\\w])`, 'g'),
];
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** A number's digits in national form (+44 / 0044 / 44 → 0), to compare however it was written. */
export function phoneKey(text: string): string {
  let d = text.replace(/\D/g, '');
  if (d.startsWith('00')) d = d.slice(2);
  if (d.startsWith('44') && d.length >= 12) d = '0' + d.slice(2);
  return d;
}

export function findPii(
  fields: Record<string, string | null | undefined>,
  policy: PublicTextPolicy,
): PiiFinding[] {
  const allowedPhones = new Set(
    policy.officialContacts.filter((c) => !c.includes('@')).map((c) => phoneKey(c)),
  );
  const allowedEmails = new Set(
    policy.officialContacts.filter((c) => c.includes('@')).map((c) => c.trim().toLowerCase()),
  );
  const emailAllowed = (e: string) => {
    const lower = e.toLowerCase();
    const domain = lower.slice(lower.lastIndexOf('@') + 1);
    return (
      allowedEmails.has(lower) || policy.links.domains.some((d) => domain === d || domain.endsWith(`.${d}`))
    );
  };
  const out: PiiFinding[] = [];
  for (const [field, raw] of Object.entries(fields)) {
    if (!raw) continue;
    const add = (kind: PiiKind, masked: string) => {
      if (!out.some((f) => f.field === field && f.kind === kind && f.masked === masked))
        out.push({ field, kind, masked });
    };
    // Emails first (their digits are not phone numbers), then phones; what is found is blanked out so the
    // account-id pattern (long digit runs) does not report the same fragment twice.
    let text = raw.normalize('NFKC');
    text = text.replace(EMAIL_PATTERN, (e) => {
      if (!emailAllowed(e)) add('email address', maskEmail(e));
      return ' ';
    });
    for (const p of PHONE_PATTERNS)
      text = text.replace(p, (m) => {
        if (!allowedPhones.has(phoneKey(m))) add('phone number', mask(m));
        return ' ';
      });
    if (containsPhoneNumber(text)) add('phone number', scrubPii(text).slice(0, 40));
    const account = text.match(policy.accountIdPattern)?.[0];
    if (account) add('account id', `${account.slice(0, 3)}***`);
    for (const l of offendingLinks(raw, policy.links)) add('link', `${l.link.slice(0, 60)}: ${l.reason}`);
  }
  return out;
}

const ARTICLE: Record<PiiKind, string> = {
  'phone number': 'a phone number',
  'email address': 'an email address',
  'account id': 'an account id',
  link: 'a link that is not allowed',
};

/** "looks like an email address (a***@e***.com)": one phrase per finding, with the right article. */
export function describeFinding(f: PiiFinding): string {
  return f.kind === 'link'
    ? `has ${ARTICLE.link} (${f.masked})`
    : `looks like ${ARTICLE[f.kind]} (${f.masked})`;
}

/** One sentence per finding, for the 422 response. */
export function describePii(findings: PiiFinding[]): string {
  return findings
    .map((f) => `${f.field} ${f.kind === 'link' ? '' : 'contains something that '}${describeFinding(f)}`)
    .join('; ');
}
