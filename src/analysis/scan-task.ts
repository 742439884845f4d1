import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Pseudonymiser, scrubPii } from '../platform/privacy';
import { classify, DetectionRules, Exclusion } from './detection';
import { copyText } from '../platform/database/copy-text';
import { ExposureAggregator, PairTotal } from './exposure-aggregator';
import { createParser, SKIP } from './formats';
import { LineSplitter } from '../platform/streams/line-splitter';
import { compileMobileMatcher } from '../platform/privacy/mobile-number';
import { ScanTask } from './scan-plan';

/** Everything a scanner needs, as plain data: it runs in a worker thread with no Nest container. */
export interface ScanSettings {
  runId: string;
  databaseUrl: string;
  pseudonymKey: string;
  country: string;
  allowlist: string[];
  squidLogformat?: string;
  from: number;
  to: number;
  partners: string[];
  /** (number, host) pairs held before a COPY to Postgres. */
  maxPairs: number;
}

export interface ScanCounts {
  linesRead: number;
  linesMalformed: number;
  exposures: number;
  partnerExposures: number;
  invalidValues: number;
  excluded: Record<Exclusion, number>;
  /** Exposures per UTC hour (key: epoch ms of the hour). */
  hours: Record<string, number>;
  partnerHosts: Record<string, number>;
  /** A few malformed lines, scrubbed of anything phone-shaped, cut to 200 characters. */
  malformedSamples: string[];
}

/** A malformed line as evidence: cut short, control bytes made visible (jsonb refuses NUL), numbers masked. */
export function sample(line: string): string {
  // eslint-disable-next-line no-control-regex -- control bytes are exactly what must be replaced
  return scrubPii(line.slice(0, 200).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '\ufffd'));
}

export function emptyCounts(): ScanCounts {
  return {
    linesRead: 0,
    linesMalformed: 0,
    exposures: 0,
    partnerExposures: 0,
    invalidValues: 0,
    excluded: { outside_window: 0, connect: 0, cache_hit: 0, denied: 0, not_forwarded: 0 },
    hours: {},
    partnerHosts: {},
    malformedSamples: [],
  };
}

export const MAX_SAMPLES = 5;
const HOUR = 3_600_000;
const PROGRESS_EVERY = 8 << 20;

/**
 * Scans one task: stream bytes (gunzip if needed), split lines, parse, classify, aggregate per
 * (number, host), and COPY the totals into `analysis_staging` whenever the aggregate fills and at the
 * end. Numbers leave this function only as keyed HMACs.
 */
export async function runScanTask(
  task: ScanTask,
  s: ScanSettings,
  onProgress: (bytes: number, lines: number) => void = () => undefined,
): Promise<ScanCounts> {
  const counts = emptyCounts();
  const parser = createParser(task.format, {
    allowlist: new Set(s.allowlist),
    squidLogformat: s.squidLogformat,
  });
  const rules: DetectionRules = {
    from: s.from,
    to: s.to,
    partners: s.partners,
    mobile: compileMobileMatcher(s.country),
  };
  const agg = new ExposureAggregator(s.maxPairs);
  const pseudonymiser = new Pseudonymiser(s.pseudonymKey);
  const malformed = (line: string) => {
    counts.linesMalformed++;
    if (counts.malformedSamples.length < MAX_SAMPLES) counts.malformedSamples.push(sample(line));
  };

  const onLine = (line: string) => {
    const rec = parser.parse(line);
    if (rec === SKIP) return;
    counts.linesRead++;
    if (rec === null) return malformed(line);
    const v = classify(rec, rules);
    switch (v.kind) {
      case 'clean':
        return;
      case 'excluded':
        counts.excluded[v.reason]++;
        return;
      case 'invalid':
        counts.invalidValues += v.invalid;
        return;
      case 'partner':
        counts.invalidValues += v.invalid;
        counts.partnerExposures++;
        counts.partnerHosts[rec.host] = (counts.partnerHosts[rec.host] ?? 0) + 1;
        return;
      case 'exposure': {
        counts.invalidValues += v.invalid;
        counts.exposures++;
        const hour = rec.time - (rec.time % HOUR);
        counts.hours[hour] = (counts.hours[hour] ?? 0) + 1;
        for (const n of v.numbers) agg.add(n, rec.host, rec.time);
      }
    }
  };

  const rangeStart = task.gzip || task.start === 0 ? 0 : task.start - 1;
  const splitter = new LineSplitter(onLine, {
    startOffset: rangeStart,
    stopAt: task.gzip ? Infinity : task.end,
    skipFirstLine: !task.gzip && task.start > 0,
    onOverlong: () => malformed('(line longer than 1 MiB)'),
  });

  const db = new Client({ connectionString: s.databaseUrl });
  await db.connect();
  try {
    const raw = createReadStream(task.path, { start: rangeStart, highWaterMark: 1 << 20 });
    let reported = 0;
    let reportedLines = 0;
    // progress from the file position, read in the loop: a 'data' listener would switch the stream to
    // flowing mode and let it run ahead of the parser, buffering the file in memory
    const progress = () => {
      const bytes = raw.bytesRead;
      if (bytes - reported >= PROGRESS_EVERY) {
        onProgress(bytes - reported, counts.linesRead - reportedLines);
        reported = bytes;
        reportedLines = counts.linesRead;
      }
    };
    const input: Readable = task.gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
    if (task.gzip) raw.on('error', (e) => input.destroy(e));
    for await (const chunk of input) {
      splitter.push(chunk as Buffer);
      if (agg.full) await copyPairs(db, s.runId, agg.drain(), pseudonymiser);
      progress();
      if (splitter.done) break;
    }
    splitter.end();
    raw.destroy();
    if (agg.size > 0) await copyPairs(db, s.runId, agg.drain(), pseudonymiser);
    // a range reader may stop before its end (the last line belongs to the next range): report it all
    onProgress(
      (task.gzip ? raw.bytesRead : task.end - task.start) - reported,
      counts.linesRead - reportedLines,
    );
  } finally {
    await db.end();
  }
  return counts;
}

async function copyPairs(db: Client, runId: string, pairs: PairTotal[], p: Pseudonymiser): Promise<void> {
  const hmacs = new Map<string, string>();
  const hmac = (n: string) => {
    let h = hmacs.get(n);
    if (!h) hmacs.set(n, (h = p.pseudonym(n)));
    return h;
  };
  function* rows() {
    let batch = '';
    for (const t of pairs) {
      batch += `${runId}\t${hmac(t.msisdn)}\t${copyText(t.host)}\t${t.exposures}\t${t.first}\t${t.last}\n`;
      if (batch.length > 1 << 16) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  const copy = db.query(
    copyFrom('COPY analysis_staging (run_id, msisdn_hmac, host, exposures, first_ms, last_ms) FROM STDIN'),
  );
  await pipeline(Readable.from(rows()), copy);
}

/** Adds one task's counts into the run's totals. */
export function mergeCounts(into: ScanCounts, c: ScanCounts): ScanCounts {
  into.linesRead += c.linesRead;
  into.linesMalformed += c.linesMalformed;
  into.exposures += c.exposures;
  into.partnerExposures += c.partnerExposures;
  into.invalidValues += c.invalidValues;
  for (const k of Object.keys(c.excluded) as Exclusion[]) into.excluded[k] += c.excluded[k];
  for (const [k, v] of Object.entries(c.hours)) into.hours[k] = (into.hours[k] ?? 0) + v;
  for (const [k, v] of Object.entries(c.partnerHosts)) into.partnerHosts[k] = (into.partnerHosts[k] ?? 0) + v;
  for (const m of c.malformedSamples)
    if (into.malformedSamples.length < MAX_SAMPLES) into.malformedSamples.push(m);
  return into;
}
