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
 */
export interface LineParser {
  parse(line: string): LogRecord | typeof SKIP | null;
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
  let s = uriOrHost;
  const scheme = s.indexOf('://');
  if (scheme >= 0) s = s.slice(scheme + 3);
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  s = s.slice(0, end);
  const at = s.lastIndexOf('@');
  if (at >= 0) s = s.slice(at + 1);
  if (s.startsWith('[')) return s.slice(0, s.indexOf(']') + 1).toLowerCase(); // IPv6 literal
  const colon = s.indexOf(':');
  if (colon >= 0) s = s.slice(0, colon);
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s === '-' ? '' : s.toLowerCase();
}

/**
 * Splits a line on spaces (and tabs), keeping `"quoted values"` whole (without the quotes; `\"` and `""`
 * inside are unescaped). Returns null for an unterminated quote. Writes into `out` to avoid allocation.
 */
export function splitFields(line: string, out: string[]): string[] | null {
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
      const raw = line.slice(i + 1, j);
      out.push(escaped ? raw.replace(/\\(.)|""/g, (_, ch) => ch ?? '"') : raw);
      i = j + 1;
      continue;
    }
    let j = i + 1;
    while (j < n) {
      c = line.charCodeAt(j);
      if (c === 32 || c === 9) break;
      j++;
    }
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
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
