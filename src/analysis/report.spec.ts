import { perDay, renderReport, RunSummary } from './report';

const summary: RunSummary = {
  runId: 'r1',
  status: 'completed',
  incidentId: 'INC-7',
  window: { from: '2025-11-24T00:00:00.000Z', to: '2025-11-26T00:00:00.000Z' },
  partners: ['o2.co.uk'],
  files: [{ path: '/logs/a.log', size: 1234, sha256: 'ab'.repeat(32), format: 'squid', gzip: false }],
  linesRead: 1000,
  linesMalformed: 2,
  exposures: 30,
  partnerExposures: 4,
  invalidValues: 3,
  distinctMsisdns: 5,
  matchedSubscribers: 4,
  unmatchedMsisdns: 1,
  firstSeen: '2025-11-24T10:00:00.000Z',
  lastSeen: '2025-11-25T09:00:00.000Z',
  topHosts: [{ host: 'news.example.com', count: 20 }],
  excluded: { outside_window: 0, connect: 7, cache_hit: 2, denied: 0, not_forwarded: 0 },
  partnerHosts: { 'wap.o2.co.uk': 4 },
  hours: { '2025-11-24T10:00:00.000Z': 10, '2025-11-24T11:00:00.000Z': 5, '2025-11-25T09:00:00.000Z': 15 },
  malformedSamples: ['garbage'],
  progress: { bytesDone: 1234, bytesTotal: 1234 },
  timings: null,
  error: null,
  createdAt: '2025-11-26T00:00:00.000Z',
  finishedAt: '2025-11-26T00:01:00.000Z',
};

describe('report', () => {
  it('sums hours into days', () => {
    expect(perDay(summary.hours)).toEqual([
      ['2025-11-24', 15],
      ['2025-11-25', 15],
    ]);
  });

  it('shows counts, the observed window, a chart, top hosts and every exclusion with its reason', () => {
    const text = renderReport(summary);
    expect(text).toContain('Exposure observed: 2025-11-24T10:00:00.000Z to 2025-11-25T09:00:00.000Z');
    expect(text).toMatch(/matched subscribers\s+4/);
    expect(text).toMatch(/2025-11-24\s+#{40}\s+15/);
    expect(text).toMatch(/2025-11-24 10h\s+#+\s+10/);
    expect(text).toMatch(/20\s+news\.example\.com/);
    expect(text).toMatch(/7\s+CONNECT/);
    expect(text).toMatch(/2\s+served from the gateway cache/);
    expect(text).not.toMatch(/denied by the gateway/); // zero counts are left out
    expect(text).toMatch(/4\s+sent to trusted partners \(o2\.co\.uk\)/);
    expect(text).toContain('"garbage"');
  });
});
