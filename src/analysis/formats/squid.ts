import {
  headerValue,
  HeaderValue,
  hostOf,
  LineParser,
  LogRecord,
  outcomeOfResultCode,
  SKIP,
  splitFields,
} from './log-record';

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
  const fields: string[] = [];
  return {
    parse(line: string): LogRecord | typeof SKIP | null {
      if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) return SKIP;
      if (!splitFields(line, fields) || fields.length !== roles.length) return null;
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
            if (!/^[A-Z_]+/.test(v)) return null;
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
    },
  };
}
