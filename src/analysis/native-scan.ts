import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { ExposureBatcher } from './exposure-aggregator';
import { squidRoleCodes } from './formats/squid';
import { MobilePlan } from '../platform/privacy/mobile-matcher';

/*
 * The native Squid scanner (native/src/squid_scan.c): the scanner's per-line work in C for the lines it is
 * sure of; it hands every other line back to the JS path (scan-task.ts `onLine`), which stays the reference.
 * ANALYSIS_NATIVE=0 (ScanSettings.native false) runs the JS path only. Built by `npm run build:native` (node-gyp).
 */

interface Addon {
  create(
    roles: Int32Array,
    params: Float64Array,
    partners: string[],
    callingCode: string,
    nationalPrefix: string,
    isMobile: (candidate: string) => boolean,
    names: string[],
    counts: Float64Array,
    keys: Float64Array,
    hosts: Int32Array,
    times: Float64Array,
    state: Int32Array,
    pattern: string,
  ): object;
  scan(scanner: object, buf: Buffer, start: number, end: number): number;
  results(scanner: object): { hours: number[]; partners: (string | number)[] };
  /**
   * Writes the 64 hex digits of the pseudonym of '+' + keys[i] (purpose 'msisdn', see number-pseudonyms.ts) at
   * out[(i - from) * 64] for i in [from, to); the key's padded blocks are `innerPad` and `outerPad`.
   */
  pseudonyms(
    innerPad: Buffer,
    outerPad: Buffer,
    keys: Float64Array,
    from: number,
    to: number,
    out: Buffer,
  ): void;
  /** The compiled pattern's answers, or null when it is not compiled (specs). */
  patternTest(pattern: string, candidates: string[]): boolean[] | null;
}

/** The repository's root: the closest directory up with a package.json (from src/ under ts-jest, or dist/src/). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

export const NATIVE_ADDON = join(repoRoot(), 'native', 'build', 'Release', 'squid_scan.node');

let addon: Addon | null | undefined;

/** The addon, or null when it is not built (one warning, from the main thread). */
export function squidAddon(): Addon | null {
  if (addon !== undefined) return addon;
  addon = null;
  try {
    addon = require(NATIVE_ADDON) as Addon; // eslint-disable-line @typescript-eslint/no-require-imports
  } catch (e) {
    if (isMainThread)
      process.emitWarning(
        `native Squid scanner not loaded (${(e as Error).message.split('\n')[0]}): the JS path runs (npm run build:native)`,
      );
  }
  return addon;
}

/** Counters the native side keeps, in native/src/squid_scan.c's order. */
export const NATIVE_COUNTS = [
  'linesRead',
  'exposures',
  'partnerExposures',
  'invalidValues',
  'outside_window',
  'connect',
  'cache_hit',
  'denied',
  'not_forwarded',
] as const;

export interface NativeSquidOptions {
  allowlist: ReadonlySet<string>;
  squidLogformat?: string;
  from: number;
  to: number;
  partners: string[];
  mobile: MobilePlan;
  maxLineBytes: number;
  /** false: the JS RegExp answers every distinct candidate, even when the pattern compiles (specs). */
  compilePattern?: boolean;
}

/** Exposures per scan() call at most: the output arrays' size. */
const OUT = 8192;
/** Host names the native table holds before it starts again. */
const MAX_HOSTS = 1 << 18;

/**
 * One file's (or range's) native scanner. `lines` takes whole lines (`[start, end)` ends with a newline) and
 * returns where it stopped: `end`, or a line the JS path must take; the exposures of the lines before it are
 * in `batch` by then, in file order.
 */
export class NativeSquidScan {
  // the native side keeps pointers into these: explicit ArrayBuffers are never moved by the GC
  readonly counts = new Float64Array(new ArrayBuffer(NATIVE_COUNTS.length * 8));
  private readonly names: string[] = [];
  private readonly keys = new Float64Array(OUT);
  private readonly hosts = new Int32Array(OUT);
  private readonly times = new Float64Array(OUT);
  private readonly state = new Int32Array(new ArrayBuffer(8));
  /** Native host id → the batcher's, for the batcher's current host table (-1: not asked yet). */
  private toBatch = new Int32Array(1024).fill(-1);
  private batchEpoch: number;
  private readonly scanner: object;

  constructor(
    private readonly addon: Addon,
    roles: Int32Array,
    o: NativeSquidOptions,
    private readonly batch: ExposureBatcher,
  ) {
    // the matcher's test: compiled to an automaton when it can be, else asked once per distinct candidate
    const mobile = new RegExp(o.mobile.pattern);
    this.scanner = addon.create(
      roles,
      new Float64Array([o.from, o.to, o.maxLineBytes, MAX_HOSTS, o.compilePattern === false ? 0 : 1]),
      o.partners,
      o.mobile.callingCode,
      o.mobile.nationalPrefix,
      (candidate) => mobile.test(candidate),
      this.names,
      this.counts,
      this.keys,
      this.hosts,
      this.times,
      this.state,
      o.mobile.pattern,
    );
    this.batchEpoch = batch.hostEpoch;
  }

  /** A scanner for the Squid format, or null when the JS path must run (no addon, or a format C does not take). */
  static create(o: NativeSquidOptions, batch: ExposureBatcher): NativeSquidScan | null {
    const a = squidAddon();
    const roles = a && squidRoleCodes(o.allowlist, o.squidLogformat);
    const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);
    if (!a || !roles || ![o.mobile.callingCode, o.mobile.nationalPrefix, ...o.partners].every(ascii))
      return null;
    return new NativeSquidScan(a, roles, o, batch);
  }

  lines(buf: Buffer, start: number, end: number): number {
    const at = this.addon.scan(this.scanner, buf, start, end);
    const n = this.state[0];
    if (this.state[1] === 1 || this.batch.hostEpoch !== this.batchEpoch) {
      this.toBatch.fill(-1); // either table started again: ids are asked for anew
      this.batchEpoch = this.batch.hostEpoch;
    }
    if (this.names.length > this.toBatch.length) {
      const grown = new Int32Array(Math.max(this.names.length, this.toBatch.length * 2)).fill(-1);
      grown.set(this.toBatch);
      this.toBatch = grown;
    }
    for (let i = 0; i < n; i++) {
      const id = this.hosts[i];
      let h = this.toBatch[id];
      if (h < 0) h = this.toBatch[id] = this.batch.hostId(this.names[id]);
      this.batch.addKey(this.keys[i], h, this.times[i]);
    }
    return at;
  }

  /** What the native side counted, hours and partner hosts included. */
  results(): { hours: number[]; partners: (string | number)[] } {
    return this.addon.results(this.scanner);
  }
}
