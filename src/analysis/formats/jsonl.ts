import { HeaderValue, hostOf, LineParser, LogRecord, SKIP, withBytes } from './log-record';

const TIME_KEYS = ['time', 'timestamp', 'time_iso8601', 'start_time', 'msec', 'ts', '@timestamp'];
const HAS_OFFSET = /(?:Z|[+-]\d\d:?\d\d)$/i;

/**
 * One JSON object per line: nginx `escape=json` style (flat keys, a request header as
 * `http_<name_with_underscores>`) or Envoy style (a `request_headers` object keyed by lower-case name).
 * Time is ISO 8601 with an offset, or epoch seconds (possibly fractional, as a number or a string).
 */
export function createJsonlParser(allowlist: ReadonlySet<string>): LineParser {
  const nginxKeys = [...allowlist].map((name) => ({ name, key: 'http_' + name.replace(/-/g, '_') }));
  return withBytes({
    parse(line: string): LogRecord | typeof SKIP | null {
      if (line.length === 0 || /^\s*$/.test(line)) return SKIP;
      if (line.charCodeAt(0) !== 123 /* { */) return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return null;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
      // the log's own field names (nginx/Envoy variables), read as the gateway wrote them
      const o = parsed as Record<string, unknown>;
      const time = timeOf(o);
      if (!Number.isFinite(time)) return null;
      const headers: HeaderValue[] = [];
      for (const { name, key } of nginxKeys) {
        const v = o[key];
        if (typeof v === 'string' && v !== '' && v !== '-') headers.push({ name, value: v });
      }
      const rh = o.request_headers;
      if (rh && typeof rh === 'object') {
        const byName = rh as Record<string, unknown>;
        for (const k of Object.keys(byName)) {
          const name = k.toLowerCase();
          const v = byName[k];
          if (allowlist.has(name) && typeof v === 'string' && v !== '' && v !== '-')
            headers.push({ name, value: v });
        }
      }
      const upstream = o.upstream_addr;
      const cache = typeof o.upstream_cache_status === 'string' ? o.upstream_cache_status.toUpperCase() : '';
      const outcome: LogRecord['outcome'] =
        cache === 'HIT'
          ? 'cache_hit'
          : typeof upstream !== 'string' || upstream === '' || upstream === '-'
            ? 'not_forwarded'
            : 'forwarded';
      const host =
        typeof o.host === 'string'
          ? hostOf(o.host)
          : typeof o.authority === 'string'
            ? hostOf(o.authority)
            : '';
      const method =
        typeof o.method === 'string'
          ? o.method.toUpperCase()
          : typeof o.request_method === 'string'
            ? o.request_method.toUpperCase()
            : '-';
      return { time, method, host, outcome, headers };
    },
  });
}

function timeOf(o: Record<string, unknown>): number {
  for (const k of TIME_KEYS) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    if (typeof v === 'number') return Math.round(v * 1000);
    if (typeof v !== 'string') return NaN;
    if (/^\d+(?:\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
    if (!HAS_OFFSET.test(v)) return NaN; // a time without an offset is ambiguous: refuse rather than guess
    return Date.parse(v.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  }
  return NaN;
}
