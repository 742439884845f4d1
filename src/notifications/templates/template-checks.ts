import Handlebars from 'handlebars';
import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * Root names of every variable a Handlebars template refers to ({{x}}, {{x.y}}, {{#if x}}, helper args),
 * read from its syntax tree, so an unknown variable is caught when the template is loaded, not at send time.
 */
export function templateVariables(source: string): Set<string> {
  const found = new Set<string>();
  const visit = (node: any): void => {
    if (!node || typeof node !== 'object') return;
    if (node.type === 'PathExpression') {
      if (!node.data && node.parts.length > 0 && node.head !== 'this') found.add(node.parts[0]);
      return;
    }
    if (
      node.type === 'MustacheStatement' ||
      node.type === 'BlockStatement' ||
      node.type === 'SubExpression'
    ) {
      // A block helper's own name (if, each, unless, with) is not a variable; its params are.
      const isHelper = (node.params?.length ?? 0) > 0 || node.hash;
      if (!isHelper) visit(node.path);
      for (const p of node.params ?? []) visit(p);
      for (const pair of node.hash?.pairs ?? []) visit(pair.value);
      visit(node.program);
      visit(node.inverse);
      return;
    }
    for (const key of Object.keys(node)) {
      if (key === 'loc') continue;
      const v = node[key];
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') visit(v);
    }
  };
  visit(Handlebars.parse(source));
  return found;
}

export interface SmsInfo {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
}

// GSM 03.38: the basic set, and the extension set whose characters take two septets.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const GSM_ONLY = new RegExp(`^[${escapeClass(GSM_BASIC + GSM_EXTENDED)}]*$`, 'u');
const GSM_EXT = new RegExp(`[${escapeClass(GSM_EXTENDED)}]`, 'gu');

function escapeClass(chars: string): string {
  return chars.replace(/[\\\]^[-]/g, '\\$&');
}

/**
 * GSM-7 or UCS-2 and the number of segments, as Twilio counts them. Plain GSM-7 text (nearly every message)
 * is counted directly; anything else goes to TwilioDevEd's calculator, which is exact but costs a grapheme
 * split per message (a fifth of a send worker's CPU when it did every message).
 */
export function smsInfo(body: string): SmsInfo {
  if (GSM_ONLY.test(body)) {
    const septets = body.length + (body.match(GSM_EXT)?.length ?? 0);
    return {
      encoding: 'GSM-7',
      segments: septets <= 160 ? 1 : Math.ceil(septets / 153),
      characters: body.length,
    };
  }
  const m = new SegmentedMessage(body);
  return {
    encoding: m.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7',
    segments: m.segmentsCount,
    characters: m.numberOfCharacters,
  };
}

/** What a template does to an SMS campaign's cost and time: UCS-2 (70 characters a segment), 3+ segments. */
export function smsWarnings(locale: string, info: SmsInfo): string[] {
  const out: string[] = [];
  if (info.encoding === 'UCS-2')
    out.push(
      `sms/${locale}: a character outside GSM-7 (an emoji, ŵ, ŷ…) makes it UCS-2: 70 characters a segment, ${info.segments} segments`,
    );
  if (info.segments >= 3)
    out.push(
      `sms/${locale}: ${info.segments} segments a message: ${info.segments}x the cost and the sending time of one`,
    );
  return out;
}

const URL_LIKE = /\b(?:https?:\/\/)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:\/[^\s]*)?/gi;

/** Links in an SMS that do not point to the official host (phishing-safe by construction). */
export function foreignLinks(text: string, officialHost: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(URL_LIKE)) {
    const candidate = m[0].startsWith('http') ? m[0] : `https://${m[0]}`;
    let host: string;
    try {
      host = new URL(candidate).host.toLowerCase();
    } catch {
      out.push(m[0]);
      continue;
    }
    if (host !== officialHost.toLowerCase()) out.push(m[0]);
  }
  return out;
}

const SENSITIVE =
  /\b(password|passcode|pin|card (?:number|details)|cvv|cvc|security code|bank (?:details|account)|sort code|payment details|pay (?:a|the)? ?fee|cyfrinair|manylion (?:cerdyn|banc|talu))\b/i;
const REASSURANCE = /\b(never|not|won't|will not|don't|do not|nid|byth)\b/i;

/**
 * Sentences that ask for a secret or for payment. A sentence that mentions one only to say we never ask
 * for it ("We will never ask for your password") is the anti-phishing advice and is allowed.
 */
export function asksForSecrets(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/).filter((s) => SENSITIVE.test(s) && !REASSURANCE.test(s));
}
