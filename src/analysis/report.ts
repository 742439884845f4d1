/** A task of a run spread over worker processes (AnalysisTasksService): a file's checksum or scan, or a byte range. */
export interface TaskProgress {
  task: number;
  kind: 'scan' | 'checksum';
  /** The file's position in the run's manifest. */
  file: number;
  start: number;
  end: number;
  status: string;
  /** Times a worker took it: more than one after a worker died with it. */
  attempts: number;
  bytesDone: number;
}

/** The run summary every surface shows (CLI --json, API, report, demo). */
export interface RunSummary {
  runId: string;
  status: string;
  reusedRunId?: string;
  incidentId: string | null;
  window: { from: string; to: string };
  partners: string[];
  files: { path: string; size: number; sha256: string | null; format: string; gzip: boolean }[];
  linesRead: number;
  linesMalformed: number;
  exposures: number;
  partnerExposures: number;
  invalidValues: number;
  distinctMsisdns: number;
  matchedSubscribers: number;
  unmatchedMsisdns: number;
  firstSeen: string | null;
  lastSeen: string | null;
  topHosts: { host: string; count: number }[];
  excluded: Record<string, number>;
  partnerHosts: Record<string, number>;
  /** Exposures per UTC hour, ISO hour → count, in time order. */
  hours: Record<string, number>;
  malformedSamples: string[];
  progress: { bytesDone: number; bytesTotal: number; tasks?: TaskProgress[] };
  /** Where the run's time went (absent until it completes). */
  timings: {
    checksumMs: number;
    scanMs: number;
    finishMs: number;
    numbersMs?: number;
    spilled: boolean;
  } | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

const EXCLUSION_TEXT: Record<string, string> = {
  outside_window: 'outside the analysis window',
  connect: 'CONNECT (an encrypted tunnel: the header never reached the website)',
  cache_hit: 'served from the gateway cache (never reached the website)',
  denied: 'denied by the gateway',
  not_forwarded: 'not forwarded upstream',
};

/** Exposures per UTC day (YYYY-MM-DD → count), from the hourly counts. */
export function perDay(hours: Record<string, number>): [string, number][] {
  const days = new Map<string, number>();
  for (const [hour, n] of Object.entries(hours))
    days.set(hour.slice(0, 10), (days.get(hour.slice(0, 10)) ?? 0) + n);
  return [...days.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function bars(rows: [string, number][], width = 40): string[] {
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const label = Math.max(...rows.map(([k]) => k.length));
  return rows.map(
    ([k, n]) =>
      `  ${k.padEnd(label)}  ${'#'.repeat(Math.max(n > 0 ? 1 : 0, Math.round((n / max) * width))).padEnd(width)}  ${n}`,
  );
}

const int = (n: number) => n.toLocaleString('en-GB');

/** A plain-text report a person can read: what was found, when, where, and what was left out and why. */
export function renderReport(s: RunSummary): string {
  const out: string[] = [];
  out.push(`Exposure analysis ${s.runId}${s.incidentId ? ` (incident ${s.incidentId})` : ''}: ${s.status}`);
  if (s.reusedRunId) out.push(`Same files and parameters as run ${s.reusedRunId}; its results are shown.`);
  out.push(`Window analysed: ${s.window.from} to ${s.window.to} (UTC, end excluded)`);
  out.push(`Exposure observed: ${s.firstSeen ?? '-'} to ${s.lastSeen ?? '-'}`);
  out.push('');
  out.push('Counts');
  out.push(`  lines read                ${int(s.linesRead)}`);
  out.push(`  exposures                 ${int(s.exposures)}`);
  out.push(`  distinct numbers exposed  ${int(s.distinctMsisdns)}`);
  out.push(`  matched subscribers       ${int(s.matchedSubscribers)}`);
  out.push(`  numbers not matched       ${int(s.unmatchedMsisdns)}`);
  out.push(`  partner exposures (apart) ${int(s.partnerExposures)}`);
  out.push(`  invalid header values     ${int(s.invalidValues)}`);
  out.push(`  malformed lines           ${int(s.linesMalformed)}`);
  const days = perDay(s.hours);
  if (days.length) {
    out.push('');
    out.push('Exposures per day (UTC)');
    out.push(...bars(days));
    if (Object.keys(s.hours).length <= 72) {
      out.push('');
      out.push('Exposures per hour (UTC)');
      out.push(...bars(Object.entries(s.hours).map(([h, n]) => [h.slice(0, 13).replace('T', ' ') + 'h', n])));
    }
  }
  if (s.topHosts.length) {
    out.push('');
    out.push('Top websites that received numbers');
    for (const h of s.topHosts) out.push(`  ${int(h.count).padStart(12)}  ${h.host || '(no host)'}`);
  }
  out.push('');
  out.push('Excluded (lines carrying a number header that did not count as an exposure)');
  const excluded = Object.entries(s.excluded).filter(([, n]) => n > 0);
  if (!excluded.length) out.push('  none');
  for (const [k, n] of excluded) out.push(`  ${int(n).padStart(12)}  ${EXCLUSION_TEXT[k] ?? k}`);
  if (s.partnerExposures) {
    out.push(
      `  ${int(s.partnerExposures).padStart(12)}  sent to trusted partners (${s.partners.join(', ')}), counted apart`,
    );
  }
  if (s.invalidValues)
    out.push(`  ${int(s.invalidValues).padStart(12)}  header values that are not a valid mobile number`);
  if (s.linesMalformed) {
    out.push(`  ${int(s.linesMalformed).padStart(12)}  malformed lines, e.g.:`);
    for (const m of s.malformedSamples) out.push(`                  ${JSON.stringify(m)}`);
  }
  out.push('');
  out.push('Files');
  for (const f of s.files)
    out.push(
      `  ${f.path} (${f.format}${f.gzip ? ', gzip' : ''}, ${int(f.size)} bytes, sha256 ${f.sha256?.slice(0, 16) ?? '-'}…)`,
    );
  return out.join('\n') + '\n';
}
