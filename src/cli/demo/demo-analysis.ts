import { Logger } from '@nestjs/common';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisService } from '../../analysis/analysis.service';
import { SYSTEM_ACTOR } from '../../platform/http/actor';
import { projectRoot } from '../../platform/paths';
import { SubscribersImportService } from '../../subscribers/subscribers-import.service';

const log = new Logger('Demo');

/** Imports the sample subscribers and analyses the sample gateway logs (Squid, ELFF, gzipped Envoy JSON). */
export async function demoAnalysis(importer: SubscribersImportService, analyses: AnalysisService) {
  const samples = join(projectRoot(), 'samples');
  const actor = { ...SYSTEM_ACTOR, id: 'demo' };
  const subscribers = await importer.importFile(join(samples, 'subscribers.csv'), actor);
  const logs = readdirSync(join(samples, 'logs')).sort();
  const run = await analyses.analyze(
    {
      files: logs.map((f) => join(samples, 'logs', f)),
      from: new Date('2025-11-24T00:00:00Z'),
      to: new Date('2025-11-26T00:00:00Z'),
      partners: ['o2.co.uk'],
      incidentId: 'DEMO',
    },
    actor,
  );
  log.log(`analysis ${run.runId}: ${run.exposures} exposures, ${run.matchedSubscribers} subscribers matched`);
  return {
    subscribersImport: {
      rows: subscribers.rows,
      imported: subscribers.imported,
      updated: subscribers.updated,
      rejected: subscribers.rejected,
    },
    runId: run.reusedRunId ?? run.runId,
    files: logs,
    linesRead: run.linesRead,
    exposures: run.exposures,
    partnerExposures: run.partnerExposures,
    distinctMsisdns: run.distinctMsisdns,
    matchedSubscribers: run.matchedSubscribers,
    unmatchedMsisdns: run.unmatchedMsisdns,
    firstSeen: run.firstSeen,
    lastSeen: run.lastSeen,
    topHosts: run.topHosts.slice(0, 3),
  };
}
