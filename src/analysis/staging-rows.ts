import { copyText } from '../platform/database/copy-text';
import { ExposureMerger } from './exposure-aggregator';

/** A row's bytes besides its host: run id, pseudonym, three integers of up to 16 digits, separators. */
const ROW_BESIDES_HOST = 37 + 65 + 3 * 17 + 1;

/**
 * A spill's rows for `COPY analysis_staging (run_id, msisdn_hmac, host, exposures, first_ms, last_ms)`, in
 * COPY text format, written straight into Buffers: what a merger holds (a million pairs in a spill) becomes
 * bytes without a string or an object per row. Strings per row made ~250 MB of short-lived heap a spill,
 * which V8 let pile up: the process grew by ~50 MB while it staged. One pseudonym is made per number.
 */
export function* stagingRows(
  merger: ExposureMerger,
  runId: string,
  pseudonym: (msisdn: string) => string,
  size = 1 << 18,
): Generator<Buffer> {
  let out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  let last = '';
  // the row's start, `run \t pseudonym \t`, written once per number and copied for each of its hosts
  const prefix = Buffer.alloc(36 + 1 + 64 + 1);
  prefix.write(runId + '\t', 0, 'latin1');
  prefix[prefix.length - 1] = 9;
  // COPY escaping is needed only for hosts with tabs, newlines or backslashes: decided once per name
  let hostName = '';
  let hostText = '';
  let hostBytes = 0;
  for (const t of merger.pairs()) {
    if (t.host !== hostName) {
      hostText = copyText((hostName = t.host));
      hostBytes = Buffer.byteLength(hostText, 'utf8');
    }
    if (at + ROW_BESIDES_HOST + hostBytes > out.length) {
      if (at > 0) yield out.subarray(0, at); // the consumer keeps it: a new buffer, not a reused one
      out = Buffer.allocUnsafeSlow(Math.max(size, ROW_BESIDES_HOST + hostBytes));
      at = 0;
    }
    if (t.msisdn !== last) prefix.write(pseudonym((last = t.msisdn)), 37, 'latin1');
    at += prefix.copy(out, at);
    at += out.write(hostText, at, 'utf8');
    out[at++] = 9;
    at = writeInt(out, at, t.exposures);
    out[at++] = 9;
    at = writeInt(out, at, t.first);
    out[at++] = 9;
    at = writeInt(out, at, t.last);
    out[at++] = 10;
  }
  if (at > 0) yield out.subarray(0, at);
}

/** Writes a non-negative integer (up to 2^53) in decimal at `at`; returns the position after it. */
function writeInt(out: Buffer, at: number, value: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  let v = value;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = Math.floor(v / 10);
    out[i] = 48 + (v - q * 10);
    v = q;
  }
  return at + digits;
}
