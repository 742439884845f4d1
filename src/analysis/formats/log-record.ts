/** What a parser extracts from one data line: only what detection needs. */
export interface LogRecord {
  /** Epoch milliseconds, UTC. */
  time: number;
  /** Upper-case HTTP method ('-' when the log has none). */
  method: string;
  /** Lower-case host name without port ('' when the log has none). */
  host: string;
  /** Whether the request went on to the website: not served from cache, not denied by the gateway. */
  outcome: 'forwarded' | 'cache_hit' | 'denied' | 'not_forwarded';
  /** Allow-listed request headers present on the line: lower-case name and raw value. */
  headers: HeaderValue[];
}

export interface HeaderValue {
  name: string;
  value: string;
}

/**
 * A parser for one file. `parse` returns a record, `SKIP` for a line that carries no request
 * (blank line, comment, ELFF directive) or null for a malformed line. Parsers may keep state
 * between lines (ELFF `#Fields:`), so use one per file or byte range.
 *
 * `parseBytes` reads the line `buf[start, end)` (no newline) as `parse` reads the same bytes decoded as
 * latin1, with the same result; it may return one record object reused from line to line, valid until
 * the next call. The scanner uses it: Squid reads its fields off the bytes without a string per line.
 */
export interface LineParser {
  parse(line: string): LogRecord | typeof SKIP | null;
  parseBytes(buf: Buffer, start: number, end: number): LogRecord | typeof SKIP | null;
}

/** `parseBytes` for a parser that works on strings: decode the line, then parse it. */
export function withBytes(p: Pick<LineParser, 'parse'>): LineParser {
  return { parse: (line) => p.parse(line), parseBytes: (b, s, e) => p.parse(b.toString('latin1', s, e)) };
}

export const SKIP = 'skip' as const;

export type LogFormat = 'squid' | 'elff' | 'jsonl';
export const LOG_FORMATS: readonly LogFormat[] = ['squid', 'elff', 'jsonl'];

/** Result code rule shared by Squid and ELFF: anything with HIT was served from cache, DENIED never left. */
export function outcomeOfResultCode(code: string): LogRecord['outcome'] {
  const c = code.toUpperCase();
  if (c.includes('DENIED')) return 'denied';
  if (c.includes('HIT')) return 'cache_hit';
  return 'forwarded';
}

/** `http://User@Www.Example.com:8080/x?y` → `www.example.com`; `example.com:443` (CONNECT) → `example.com`. */
export function hostOf(uriOrHost: string): string {
  // bounds first and one slice at the end: this runs on every line
  const s = uriOrHost;
  const scheme = s.indexOf('://');
  let start = scheme >= 0 ? scheme + 3 : 0;
  let end = s.length;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  const at = end > start ? s.lastIndexOf('@', end - 1) : -1;
  if (at >= start) start = at + 1;
  if (s.charCodeAt(start) === 91 /* [ */) {
    const close = s.indexOf(']', start); // IPv6 literal
    return close >= 0 && close < end ? s.slice(start, close + 1).toLowerCase() : '';
  }
  const colon = s.indexOf(':', start);
  if (colon >= 0 && colon < end) end = colon;
  if (end > start && s.charCodeAt(end - 1) === 46 /* . */) end--;
  if (end - start === 1 && s.charCodeAt(start) === 45 /* - */) return '';
  return s.slice(start, end).toLowerCase();
}

/**
 * Splits a line on spaces (and tabs), keeping `"quoted values"` whole (without the quotes; `\"` and `""`
 * inside are unescaped). Returns null for an unterminated quote. Writes into `out` to avoid allocation.
 * With `keep`, fields whose index is not kept come out as '' (counted, never copied): a parser that
 * needs 5 fields of 12 saves most of the string work.
 */
export function splitFields(line: string, out: string[], keep?: readonly boolean[]): string[] | null {
  out.length = 0;
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        if (j >= n) return null;
        c = line.charCodeAt(j);
        if (c === 92 /* \ */ && j + 1 < n) {
          escaped = true;
          j += 2;
          continue;
        }
        if (c === 34) {
          if (line.charCodeAt(j + 1) === 34) {
            escaped = true;
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      if (keep && !keep[out.length]) out.push('');
      else {
        const raw = line.slice(i + 1, j);
        out.push(escaped ? unescapeQuoted(raw) : raw);
      }
      i = j + 1;
      continue;
    }
    let j = i + 1;
    while (j < n) {
      c = line.charCodeAt(j);
      if (c === 32 || c === 9) break;
      j++;
    }
    out.push(keep && !keep[out.length] ? '' : line.slice(i, j));
    i = j;
  }
  return out;
}

/** The inside of a quoted field that held `\\x` or `""` escapes. */
export function unescapeQuoted(raw: string): string {
  return raw.replace(/\\(.)|""/g, (_, ch) => ch ?? '"');
}

/** Squid and ELFF write absent values as `-`; some gateways URL-encode header values (`%2B44...`). */
export function headerValue(raw: string): string | null {
  if (raw === '' || raw === '-') return null;
  if (raw.indexOf('%') >= 0) {
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}
