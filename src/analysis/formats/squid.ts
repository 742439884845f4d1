import {
  headerValue,
  HeaderValue,
  hostOf,
  LineParser,
  LogRecord,
  outcomeOfResultCode,
  SKIP,
  splitFields,
  unescapeQuoted,
} from './log-record';
import { epochMsOf, hostOfBytes, latin1, outcomeOfBytes } from './bytes';

export const DEFAULT_SQUID_LOGFORMAT =
  '%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %un %Sh/%<a %mt "%{User-Agent}>h" "%{X-Up-Calling-Line-Id}>ha"';

type Role =
  | { kind: 'time' }
  | { kind: 'method' }
  | { kind: 'url' }
  | { kind: 'result' }
  | { kind: 'host-header' }
  | { kind: 'header'; name: string }
  | { kind: 'other' };

/**
 * Compiles a Squid `logformat` string into one role per output field. Fields are separated by spaces
 * in the format as in the log; a field may combine codes (`%ts.%03tu`, `%Ss/%03>Hs`), and the first code
 * that matters names its role. Quoted format fields (`"%{User-Agent}>h"`) are quoted in the log.
 */
export function compileSquidFormat(logformat: string): Role[] {
  const fields = splitFields(logformat.trim(), []);
  if (!fields || fields.length === 0) throw new Error('empty squid logformat');
  return fields.map((f): Role => {
    const header = /%\{([^}]+)\}>ha?\b/.exec(f);
    if (header) {
      const name = header[1].toLowerCase();
      return name === 'host' ? { kind: 'host-header' } : { kind: 'header', name };
    }
    if (/%(?:\d+)?ts\b/.test(f)) return { kind: 'time' };
    if (/%rm\b/.test(f)) return { kind: 'method' };
    if (/%(?:>)?ru\b/.test(f)) return { kind: 'url' };
    if (/%Ss\b/.test(f)) return { kind: 'result' };
    return { kind: 'other' };
  });
}

/** A parser for Squid access logs written with `logformat` (the default above unless configured). */
export function createSquidParser(
  allowlist: ReadonlySet<string>,
  logformat = DEFAULT_SQUID_LOGFORMAT,
): LineParser {
  const roles = compileSquidFormat(logformat);
  for (const want of ['time', 'url', 'result'] as const)
    if (!roles.some((r) => r.kind === want))
      throw new Error(`squid logformat has no ${want} field (%ts, %ru, %Ss)`);
  return { parse: stringParser(roles, allowlist), parseBytes: byteParser(roles, allowlist) };
}

/** The reference parser: splits the line into strings, then reads the fields detection needs. */
function stringParser(roles: Role[], allowlist: ReadonlySet<string>): LineParser['parse'] {
  const fields: string[] = [];
  // only the fields detection reads are copied out of the line
  const keep = roles.map((r) => r.kind !== 'other' && (r.kind !== 'header' || allowlist.has(r.name)));
  return (line: string): LogRecord | typeof SKIP | null => {
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) return SKIP;
    if (!splitFields(line, fields, keep) || fields.length !== roles.length) return null;
    let time = NaN;
    let method = '-';
    let host = '';
    let hostHeader = '';
    let outcome: LogRecord['outcome'] = 'forwarded';
    let headers: HeaderValue[] | null = null;
    for (let i = 0; i < roles.length; i++) {
      const role = roles[i];
      const v = fields[i];
      switch (role.kind) {
        case 'time':
          time = Math.round(Number(v) * 1000);
          break;
        case 'method':
          method = v.toUpperCase();
          break;
        case 'url':
          host = hostOf(v);
          break;
        case 'result':
          if (!RESULT_CODE.test(v)) return null;
          outcome = outcomeOfResultCode(v);
          break;
        case 'host-header':
          hostHeader = v === '-' ? '' : hostOf(v);
          break;
        case 'header':
          if (allowlist.has(role.name)) {
            const value = headerValue(v);
            if (value !== null) (headers ??= []).push({ name: role.name, value });
          }
          break;
      }
    }
    if (!Number.isFinite(time) || time <= 0) return null;
    return { time, method, host: host || hostHeader, outcome, headers: headers ?? [] };
  };
}

const RESULT_CODE = /^[A-Z_]+/;

// role kinds as small integers for the byte parser's switch
const OTHER = 0;
const TIME = 1;
const METHOD = 2;
const URL = 3;
const RESULT = 4;
const HOST_HEADER = 5;
const HEADER = 6;

/**
 * The byte parser's roles as codes for the native scanner (native-scan.ts): the same kinds, and 7 for an
 * allow-listed x-network-info header (comma-separated items: the JS path takes a line with one). Null when
 * the format has more fields than it takes.
 */
export function squidRoleCodes(
  allowlist: ReadonlySet<string>,
  logformat = DEFAULT_SQUID_LOGFORMAT,
): Int32Array | null {
  const roles = compileSquidFormat(logformat);
  if (roles.length > 64) return null;
  return Int32Array.from(roleKinds(roles, allowlist), (k, i) => {
    const r = roles[i];
    return k === HEADER && r.kind === 'header' && r.name === 'x-network-info' ? 7 : k;
  });
}

function roleKinds(roles: Role[], allowlist: ReadonlySet<string>): number[] {
  return roles.map((r) => {
    switch (r.kind) {
      case 'time':
        return TIME;
      case 'method':
        return METHOD;
      case 'url':
        return URL;
      case 'result':
        return RESULT;
      case 'host-header':
        return HOST_HEADER;
      case 'header':
        return allowlist.has(r.name) ? HEADER : OTHER;
      default:
        return OTHER;
    }
  });
}

/** Where a field lies in the line; `escaped` when it was quoted with `\x` or `""` inside. */
interface Span {
  buf: Buffer;
  start: number;
  end: number;
  escaped: boolean;
}
const noSpan = (): Span => ({ buf: Buffer.alloc(0), start: -1, end: -1, escaped: false });

/** The field as the string parser sees it: decoded, unescaped when it was. */
function text(f: Span): string {
  const raw = latin1(f.buf, f.start, f.end);
  return f.escaped ? unescapeQuoted(raw) : raw;
}

const NO_HEADERS: HeaderValue[] = Object.freeze([]) as unknown as HeaderValue[];

/**
 * The record the byte parser hands out, one per parser, refilled for each line. Method and host are
 * decoded on first read: detection reads them only on lines that carry a header (most lines do not).
 */
class SquidRecord implements LogRecord {
  time = 0;
  outcome: LogRecord['outcome'] = 'forwarded';
  headers: HeaderValue[] = NO_HEADERS;
  readonly methodField = noSpan();
  readonly urlField = noSpan();
  readonly hostField = noSpan();
  private decodedMethod: string | null = null;
  private decodedHost: string | null = null;

  reset(): void {
    this.decodedMethod = this.decodedHost = null;
    this.methodField.start = this.hostField.start = -1;
    this.headers = NO_HEADERS;
    this.outcome = 'forwarded';
  }

  get method(): string {
    return (this.decodedMethod ??= methodOf(this.methodField));
  }

  get host(): string {
    return (this.decodedHost ??= hostOfSpan(this.urlField) || hostHeaderOf(this.hostField));
  }
}

function methodOf(f: Span): string {
  if (f.start < 0) return '-';
  if (!f.escaped) {
    const b = f.buf;
    const n = f.end - f.start;
    if (n === 3 && b[f.start] === 71 && b[f.start + 1] === 69 && b[f.start + 2] === 84) return 'GET';
    if (
      n === 4 &&
      b[f.start] === 80 &&
      b[f.start + 1] === 79 &&
      b[f.start + 2] === 83 &&
      b[f.start + 3] === 84
    )
      return 'POST';
  }
  return text(f).toUpperCase();
}

function hostOfSpan(f: Span): string {
  return f.escaped ? hostOf(text(f)) : hostOfBytes(f.buf, f.start, f.end);
}

function hostHeaderOf(f: Span): string {
  if (f.start < 0) return '';
  if (!f.escaped && f.end - f.start === 1 && f.buf[f.start] === 45 /* - */) return '';
  const v = text(f);
  return v === '-' ? '' : hostOf(v);
}

/** The closing quote of a quoted field that may hold `\\x` or `""` escapes (as `splitFields`), or -1. */
function escapedQuoteEnd(b: Buffer, from: number, e: number): number {
  for (let j = from; ;) {
    if (j >= e) return -1;
    const c = b[j];
    if (c === 92 /* \\ */ && j + 1 < e) j += 2;
    else if (c !== 34) j++;
    else if (j + 1 < e && b[j + 1] === 34) j += 2;
    else return j;
  }
}

/**
 * The fast path: walks the line's bytes once, field by field as `splitFields` does, and decodes only
 * allow-listed header values (when not `-`), plus method and host when read. Same results as the string
 * parser on the same bytes decoded as latin1 (see squid-bytes.spec.ts).
 */
function byteParser(roles: Role[], allowlist: ReadonlySet<string>): LineParser['parseBytes'] {
  const kinds = roleKinds(roles, allowlist);
  const names = roles.map((r) => (r.kind === 'header' ? r.name : ''));
  const count = roles.length;
  const rec = new SquidRecord();
  const span: Span = noSpan();
  // where the next backslash of bsBuf lies (Infinity: none), so that finding one costs a memchr per
  // chunk rather than a look at every byte; forgotten unless the line starts after the last one ended
  // (so a buffer refilled and parsed again, or a line parsed twice, cannot be read with stale positions)
  let bsBuf: Buffer | null = null;
  let bsAt = Infinity;
  let lastEnd = 0;
  const setSpan = (to: Span) => {
    to.buf = span.buf;
    to.start = span.start;
    to.end = span.end;
    to.escaped = span.escaped;
  };

  return (b: Buffer, s: number, e: number): LogRecord | typeof SKIP | null => {
    if (e <= s || b[s] === 35 /* # */) return SKIP;
    if (s < lastEnd) bsBuf = null;
    lastEnd = e;
    rec.reset();
    span.buf = b;
    let time = NaN;
    let field = 0;
    let i = s;
    while (i < e) {
      let c = b[i];
      if (c === 32 || c === 9) {
        i++;
        continue;
      }
      let escaped = false;
      let j = i + 1;
      if (c === 34 /* " */) {
        // the closing quote by memchr; the byte loop only when an escape may lie before it
        j = b.indexOf(34, j);
        if (j < 0 || j >= e) return null; // unterminated quote
        if (b !== bsBuf || bsAt <= i) {
          bsBuf = b;
          bsAt = b.indexOf(92, i + 1);
          if (bsAt < 0) bsAt = Infinity;
        }
        if (bsAt < j || (j + 1 < e && b[j + 1] === 34)) {
          j = escapedQuoteEnd(b, i + 1, e);
          if (j < 0) return null;
          escaped = true;
        }
        span.start = i + 1;
        span.end = j;
        i = j + 1;
      } else {
        while (j < e) {
          c = b[j];
          if (c === 32 || c === 9) break;
          j++;
        }
        span.start = i;
        span.end = j;
        i = j;
      }
      if (field >= count) return null; // more fields than the format
      span.escaped = escaped;
      switch (kinds[field]) {
        case TIME:
          time = escaped ? Math.round(Number(text(span)) * 1000) : epochMsOf(b, span.start, span.end);
          break;
        case METHOD:
          setSpan(rec.methodField);
          break;
        case URL:
          setSpan(rec.urlField);
          break;
        case RESULT:
          if (escaped) {
            const v = text(span);
            if (!RESULT_CODE.test(v)) return null;
            rec.outcome = outcomeOfResultCode(v);
          } else {
            c = span.end > span.start ? b[span.start] : 0;
            if (!((c >= 65 && c <= 90) || c === 95)) return null;
            rec.outcome = outcomeOfBytes(b, span.start, span.end);
          }
          break;
        case HOST_HEADER:
          setSpan(rec.hostField);
          break;
        case HEADER: {
          const n = span.end - span.start;
          if (!escaped && (n === 0 || (n === 1 && b[span.start] === 45))) break; // absent
          const value = headerValue(text(span));
          if (value === null) break;
          if (rec.headers === NO_HEADERS) rec.headers = [{ name: names[field], value }];
          else rec.headers.push({ name: names[field], value });
          break;
        }
      }
      field++;
    }
    if (field !== count || !Number.isFinite(time) || time <= 0) return null;
    rec.time = time;
    return rec;
  };
}
