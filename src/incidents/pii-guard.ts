import { containsPhoneNumber, mask, maskEmail, scrubPii } from '../platform/privacy';

/**
 * The publish-time guard for public text: anything that looks like a phone number, an email address or
 * an account id is refused. It errs on the side of refusing (a helpline number is refused too: the page
 * is read by everyone and copied everywhere).
 */
export type PiiKind = 'phone number' | 'email address' | 'account id';

export interface PiiFinding {
  field: string;
  kind: PiiKind;
  /** The offending fragment, masked (the message is shown and may be logged). */
  masked: string;
}

// National (0 + 9-10 digits) or international (+ 8-15 digits) numbers, with spaces or dashes anywhere.
const PHONE_PATTERNS = [/(?<![\w+])0\d(?:[\s-]?\d){8,9}(?![\w])/, /(?<![\w])\+\d(?:[\s-]?\d){7,14}(?![\w])/];
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

export function findPii(
  fields: Record<string, string | null | undefined>,
  accountIdPattern: RegExp,
): PiiFinding[] {
  const out: PiiFinding[] = [];
  for (const [field, text] of Object.entries(fields)) {
    if (!text) continue;
    const phone = PHONE_PATTERNS.map((p) => text.match(p)?.[0]).find(Boolean);
    if (phone || containsPhoneNumber(text)) {
      out.push({ field, kind: 'phone number', masked: phone ? mask(phone) : scrubPii(text).slice(0, 40) });
    }
    const email = text.match(EMAIL_PATTERN)?.[0];
    if (email) out.push({ field, kind: 'email address', masked: maskEmail(email) });
    // Phone numbers are also long digit runs: only look for account ids once phones are ruled out.
    const account = phone ? undefined : text.match(accountIdPattern)?.[0];
    if (account) out.push({ field, kind: 'account id', masked: `${account.slice(0, 3)}***` });
  }
  return out;
}

/** One sentence per finding, for the 422 response. */
export function describePii(findings: PiiFinding[]): string {
  return findings
    .map((f) => `${f.field} contains something that looks like a ${f.kind} (${f.masked})`)
    .join('; ');
}
