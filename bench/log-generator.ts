import { emptyCounts, ScanCounts } from '../src/analysis/scan-task';

/* Synthetic gateway logs whose truth is known: every line is decided here, so the expected counts are
   exact. Used by the benchmark (millions of lines), the e2e test that proves the numbers, and the
   committed samples. Deterministic for a seed. */

export type GenFormat = 'squid' | 'elff' | 'jsonl';

export interface GenOptions {
  format: GenFormat;
  lines: number;
  seed?: number;
  /** Epoch ms; lines are spread over [start, end) and the analysis window is [from, to). */
  start: number;
  end: number;
  from: number;
  to: number;
  /** National significant numbers of subscribers (e.g. 7400000000 + i), as a count and a base. */
  subscriberBase: number;
  subscriberCount: number;
  /**
   * How many of the subscribers appear in the log (spread evenly over the base); all of them when unset.
   * Real logs repeat each subscriber many times: tens of GB (~100M lines) over 5M subscribers is ~20 lines
   * a subscriber, which 2M lines keep with 100k active subscribers.
   */
  activeSubscribers?: number;
  /** Share of exposing lines whose number is nobody's (not a subscriber). */
  strangerShare?: number;
  partner?: string;
  crlf?: boolean;
}

export interface Truth {
  linesRead: number;
  linesMalformed: number;
  exposures: number;
  partnerExposures: number;
  invalidValues: number;
  excluded: ScanCounts['excluded'];
  /** Per exposed number (E.164): count, first and last (epoch ms). */
  numbers: Map<string, { count: number; first: number; last: number; subscriber: boolean }>;
  distinct: number;
}

const HOSTS = [
  'www.bbc.co.uk',
  'news.example.com',
  'shop.example.co.uk',
  'cdn.ads.example.net',
  'social.example.org',
  'maps.example.com',
  'video.example.tv',
  'mail.example.com',
  'bank.example.co.uk',
  'weather.example.com',
];
const UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36';

/** A tiny deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The forms a gateway writes one number in; all normalise to +44 NSN. */
function form(nsn: string, r: number): string {
  switch (Math.floor(r * 6)) {
    case 0:
      return '+44' + nsn;
    case 1:
      return '0' + nsn;
    case 2:
      return '0044' + nsn;
    case 3:
      return 'tel:+44' + nsn;
    case 4:
      return '0' + nsn.slice(0, 4) + ' ' + nsn.slice(4);
    default:
      return '44' + nsn;
  }
}

export function emptyTruth(): Truth {
  const { linesRead, linesMalformed, exposures, partnerExposures, invalidValues, excluded } = emptyCounts();
  return {
    linesRead,
    linesMalformed,
    exposures,
    partnerExposures,
    invalidValues,
    excluded,
    numbers: new Map(),
    distinct: 0,
  };
}

/**
 * Yields lines (without newline) and fills `truth`. Mix per line: ~35% carry no number, ~50% a
 * forwarded exposure, and the rest the traps: outside the window, CONNECT, cache hit, denied,
 * not forwarded, invalid value, partner host, malformed.
 */
export function* generateLog(o: GenOptions, truth: Truth): Generator<string> {
  const rand = rng(o.seed ?? 1);
  const span = o.end - o.start;
  const stranger = o.strangerShare ?? 0.05;
  const active = Math.min(o.activeSubscribers || o.subscriberCount, o.subscriberCount);
  const stride = Math.floor(o.subscriberCount / active);
  if (o.format === 'elff') yield* ELFF_HEADER;
  for (let i = 0; i < o.lines; i++) {
    const kind = rand();
    let t = o.start + Math.floor((i / o.lines) * span) + Math.floor(rand() * 1000);
    let host = HOSTS[Math.floor(rand() * rand() * HOSTS.length)];
    let method = rand() < 0.8 ? 'GET' : 'POST';
    let outcome: 'miss' | 'hit' | 'denied' | 'noup' = 'miss';
    const isStranger = rand() < stranger;
    const nsn = isStranger
      ? String(7500000000 + Math.floor(rand() * 1_000_000))
      : String(o.subscriberBase + Math.floor(rand() * active) * stride);
    let value: string | null = form(nsn, rand());
    let expect: 'clean' | 'exposure' | 'partner' | 'invalid' | keyof Truth['excluded'] | 'malformed' =
      'exposure';
    if (kind < 0.35) {
      value = null;
      expect = 'clean';
    } else if (kind < 0.85) {
      expect = 'exposure';
    } else if (kind < 0.87) {
      t = rand() < 0.5 ? o.from - 1 - Math.floor(rand() * 3600_000) : o.to + Math.floor(rand() * 3600_000);
      expect = 'outside_window';
    } else if (kind < 0.89) {
      method = 'CONNECT';
      expect = 'connect';
    } else if (kind < 0.91) {
      outcome = 'hit';
      expect = 'cache_hit';
    } else if (kind < 0.92) {
      // JSON logs have no denial code: a denied request is one that never went upstream
      outcome = o.format === 'jsonl' ? 'noup' : 'denied';
      expect = o.format === 'jsonl' ? 'not_forwarded' : 'denied';
    } else if (kind < 0.93 && o.format === 'jsonl') {
      outcome = 'noup';
      expect = 'not_forwarded';
    } else if (kind < 0.95) {
      value = ['unknown', '02079460018', '7911', 'anonymous'][Math.floor(rand() * 4)];
      expect = 'invalid';
    } else if (kind < 0.97 && o.partner) {
      host = 'wap.' + o.partner;
      expect = 'partner';
    } else if (kind < 0.975) {
      expect = 'malformed';
    } else if (kind < 0.98 && o.partner) {
      host = 'not' + o.partner; // suffix trap: not a partner
      expect = 'exposure';
    }
    // every kind but "outside the window" must fall inside it, or the window rule would decide first
    if (expect !== 'outside_window') t = Math.max(o.from, Math.min(o.to - 1, t));
    if (o.format === 'elff') t -= t % 1000; // ELFF times have whole seconds
    if (expect === 'malformed') {
      truth.linesRead++;
      truth.linesMalformed++;
      yield rand() < 0.5
        ? '\u0000\u00ff garbage ' + i
        : line(o.format, t, method, host, outcome, value).slice(0, 30);
      continue;
    }
    truth.linesRead++;
    if (expect === 'exposure' || expect === 'partner') {
      if (expect === 'partner') truth.partnerExposures++;
      else {
        truth.exposures++;
        const e164 = '+44' + nsn;
        let n = truth.numbers.get(e164);
        if (!n) {
          truth.distinct++;
          n = { count: 0, first: t, last: t, subscriber: !isStranger };
          truth.numbers.set(e164, n);
        }
        n.count++;
        if (t < n.first) n.first = t;
        if (t > n.last) n.last = t;
      }
    } else if (expect === 'invalid') truth.invalidValues++;
    else if (expect !== 'clean') truth.excluded[expect]++;
    yield line(o.format, t, method, host, outcome, value);
  }
}

const ELFF_HEADER = [
  '#Software: SGOS 7.3.1.1',
  '#Version: 1.0',
  '#Fields: date time time-taken c-ip sc-status s-action sc-bytes cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs(User-Agent) cs(X-MSISDN) sc-filter-result',
];

function line(
  format: GenFormat,
  t: number,
  method: string,
  host: string,
  outcome: string,
  value: string | null,
): string {
  const iso = new Date(t).toISOString();
  if (format === 'squid') {
    const result =
      outcome === 'hit' ? 'TCP_HIT/200' : outcome === 'denied' ? 'TCP_DENIED/403' : 'TCP_MISS/200';
    const url = method === 'CONNECT' ? `${host}:443` : `http://${host}/index.html`;
    const secs = (t / 1000).toFixed(3);
    return `${secs}    125 10.20.30.40 ${result} 5120 ${method} ${url} - HIER_DIRECT/93.184.216.34 text/html "${UA}" "${value ?? '-'}"`;
  }
  if (format === 'elff') {
    const action = outcome === 'hit' ? 'TCP_HIT' : outcome === 'denied' ? 'TCP_DENIED' : 'TCP_NC_MISS';
    const filter = outcome === 'denied' ? 'DENIED' : 'OBSERVED';
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)} 15 10.20.30.40 200 ${action} 5120 ${method} http ${host} 80 /index.html "${UA}" ${value === null ? '-' : `"${value}"`} ${filter}`;
  }
  const o: Record<string, unknown> = {
    time: t % 2 === 0 ? iso.replace('Z', '+00:00') : t / 1000,
    method,
    host,
    upstream_cache_status: outcome === 'hit' ? 'HIT' : 'MISS',
    upstream_addr: outcome === 'noup' ? '-' : '10.0.0.5:443',
  };
  if (value !== null) {
    if (t % 3 === 0) o.request_headers = { 'x-up-calling-line-id': value };
    else o.http_x_msisdn = value;
  }
  return JSON.stringify(o);
}

/** Writes a generated log to a file (gzip when the name ends in .gz); returns the truth. */
export async function writeLog(path: string, o: GenOptions): Promise<Truth> {
  const { createWriteStream } = await import('node:fs');
  const { createGzip } = await import('node:zlib');
  const { pipeline } = await import('node:stream/promises');
  const { Readable } = await import('node:stream');
  const truth = emptyTruth();
  const eol = o.crlf ? '\r\n' : '\n';
  function* chunks() {
    let batch = '';
    for (const l of generateLog(o, truth)) {
      batch += l + eol;
      if (batch.length > 1 << 20) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  const out = createWriteStream(path);
  if (path.endsWith('.gz')) await pipeline(Readable.from(chunks()), createGzip({ level: 1 }), out);
  else await pipeline(Readable.from(chunks()), out);
  return truth;
}
