import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisService } from '../../src/analysis/analysis.service';
import { SYSTEM_ACTOR } from '../../src/platform/http/actor';
import { SubscribersImportService } from '../../src/subscribers/subscribers-import.service';
import { TestApp } from './app';

/** Imports samples/subscribers.csv and analyses samples/logs as the demo does; returns the completed run. */
export async function analyseSamples(t: TestApp): Promise<{ runId: string; matchedSubscribers: number }> {
  const samples = join(__dirname, '..', '..', 'samples');
  const actor = { ...SYSTEM_ACTOR, id: 'test' };
  await t
    .get<SubscribersImportService>(SubscribersImportService)
    .importFile(join(samples, 'subscribers.csv'), actor);
  return t.get<AnalysisService>(AnalysisService).analyze(
    {
      files: readdirSync(join(samples, 'logs')).map((f) => join(samples, 'logs', f)),
      from: new Date('2025-11-24T00:00:00Z'),
      to: new Date('2025-11-26T00:00:00Z'),
      partners: ['o2.co.uk'],
    },
    actor,
  );
}
