import { LogRecord } from './formats';
import { MobileMatcher } from '../platform/privacy/mobile-number';

export interface DetectionRules {
  /** Inclusive, epoch ms UTC. */
  from: number;
  /** Exclusive, epoch ms UTC. */
  to: number;
  /** Normalised partner suffixes (lower case, no leading dot). */
  partners: readonly string[];
  mobile: MobileMatcher;
}

export type Exclusion = 'outside_window' | 'connect' | 'cache_hit' | 'denied' | 'not_forwarded';

/** What one line amounts to. `numbers` are distinct E.164 numbers; `invalid` counts header values that did not normalise. */
export type Verdict =
  | { kind: 'clean' }
  | { kind: 'excluded'; reason: Exclusion }
  | { kind: 'exposure' | 'partner'; numbers: string[]; invalid: number }
  | { kind: 'invalid'; invalid: number };

const CLEAN: Verdict = { kind: 'clean' };
const EXCLUDED: Record<Exclusion, Verdict> = {
  outside_window: { kind: 'excluded', reason: 'outside_window' },
  connect: { kind: 'excluded', reason: 'connect' },
  cache_hit: { kind: 'excluded', reason: 'cache_hit' },
  denied: { kind: 'excluded', reason: 'denied' },
  not_forwarded: { kind: 'excluded', reason: 'not_forwarded' },
};

/**
 * The detection rule (README "Detection rule"). A line without an allow-listed header is clean. A line
 * with one is excluded when outside [from, to), a CONNECT, a cache hit, denied, or not forwarded
 * upstream; otherwise each header value is normalised: valid mobile numbers make an exposure (a partner
 * exposure when the host is a trusted partner), the rest count as invalid values.
 */
export function classify(rec: LogRecord, rules: DetectionRules): Verdict {
  if (rec.headers.length === 0) return CLEAN;
  if (!(rec.time >= rules.from && rec.time < rules.to)) return EXCLUDED.outside_window;
  if (rec.method === 'CONNECT') return EXCLUDED.connect;
  if (rec.outcome !== 'forwarded') return EXCLUDED[rec.outcome];
  let numbers: string[] | null = null;
  let invalid = 0;
  for (const h of rec.headers) {
    // x-network-info carries other items too (bearer, IP, APN): the number is one comma-separated item
    const items = h.name === 'x-network-info' ? h.value.split(',') : [h.value];
    let found = false;
    for (const item of items) {
      const e164 = rules.mobile(item);
      if (e164 === null) continue;
      found = true;
      if (!numbers) numbers = [e164];
      else if (!numbers.includes(e164)) numbers.push(e164);
    }
    if (!found) invalid++;
  }
  if (!numbers) return { kind: 'invalid', invalid };
  return { kind: isPartner(rec.host, rules.partners) ? 'partner' : 'exposure', numbers, invalid };
}

/** `o2.co.uk` matches `o2.co.uk` and `wap.o2.co.uk`, never `noto2.co.uk` or `o2.co.uk.evil.com`. */
export function isPartner(host: string, partners: readonly string[]): boolean {
  for (const p of partners) {
    if (host === p) return true;
    if (host.length > p.length && host.endsWith(p) && host.charCodeAt(host.length - p.length - 1) === 46)
      return true;
  }
  return false;
}

/** `*.O2.co.uk.` → `o2.co.uk`; refuses anything that is not a host name. */
export function normalisePartner(suffix: string): string {
  const s = suffix
    .trim()
    .toLowerCase()
    .replace(/^\*?\.+/, '')
    .replace(/\.$/, '');
  if (!/^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/.test(s))
    throw new Error(`partner suffix "${suffix}" is not a host name`);
  return s;
}
