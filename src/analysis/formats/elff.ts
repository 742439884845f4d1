import {
  headerValue,
  HeaderValue,
  hostOf,
  LineParser,
  LogRecord,
  outcomeOfResultCode,
  SKIP,
  splitFields,
  withBytes,
} from './log-record';

interface Columns {
  date: number;
  time: number;
  method: number;
  host: number;
  uri: number;
  action: number;
  filter: number;
  headers: { index: number; name: string }[];
  count: number;
}

/**
 * W3C extended log format (Blue Coat ProxySG and others). Columns come from `#Fields:` directives, which
 * may change mid-file; values are space- or tab-separated, possibly quoted; `-` means absent; a request
 * header is the column `cs(Header-Name)`. Date and time are UTC (the W3C definition).
 */
export function createElffParser(allowlist: ReadonlySet<string>): LineParser {
  let cols: Columns | null = null;
  const fields: string[] = [];
  return withBytes({
    parse(line: string): LogRecord | typeof SKIP | null {
      if (line.length === 0) return SKIP;
      if (line.charCodeAt(0) === 35 /* # */) {
        if (/^#Fields:/i.test(line)) cols = compileFields(line.slice(8), allowlist);
        return SKIP;
      }
      if (!cols || !splitFields(line, fields) || fields.length !== cols.count) return null;
      const get = (i: number) => (i >= 0 ? fields[i] : '-');
      const time = Date.parse(`${get(cols.date)}T${get(cols.time)}Z`);
      if (!Number.isFinite(time)) return null;
      let outcome: LogRecord['outcome'] = 'forwarded';
      for (const i of [cols.action, cols.filter]) {
        if (i < 0) continue;
        const o = outcomeOfResultCode(fields[i]);
        if (o !== 'forwarded') outcome = o;
      }
      let headers: HeaderValue[] | null = null;
      for (const h of cols.headers) {
        const value = headerValue(fields[h.index]);
        if (value !== null) (headers ??= []).push({ name: h.name, value });
      }
      const hostField = get(cols.host);
      return {
        time,
        method: get(cols.method).toUpperCase(),
        host: hostField !== '-' ? hostOf(hostField) : hostOf(get(cols.uri)),
        outcome,
        headers: headers ?? [],
      };
    },
  });
}

function compileFields(spec: string, allowlist: ReadonlySet<string>): Columns {
  const names = spec
    .trim()
    .split(/\s+/)
    .map((n) => n.toLowerCase());
  const at = (...candidates: string[]) => {
    for (const c of candidates) {
      const i = names.indexOf(c);
      if (i >= 0) return i;
    }
    return -1;
  };
  const headers: Columns['headers'] = [];
  names.forEach((n, index) => {
    const m = /^cs\((.+)\)$/.exec(n);
    if (m && allowlist.has(m[1])) headers.push({ index, name: m[1] });
  });
  return {
    date: at('date'),
    time: at('time'),
    method: at('cs-method'),
    host: at('cs-host', 'cs-uri-host', 'cs(host)'),
    uri: at('cs-uri', 'cs-uri-stem'),
    action: at('s-action'),
    filter: at('sc-filter-result'),
    headers,
    count: names.length,
  };
}
