/* Regenerates the tiny committed demo inputs in samples/ (node dist/bench/make-samples.js). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenOptions, writeLog } from './log-generator';

export const SAMPLE_WINDOW = { from: '2025-11-24T00:00:00Z', to: '2025-11-26T00:00:00Z' };
const DAY = 86_400_000;

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..', 'samples');
  mkdirSync(join(root, 'logs'), { recursive: true });
  const rows = ['account_id,msisdn,email,first_name,locale'];
  for (let i = 0; i < 40; i++)
    rows.push(
      `DEMO-${String(i).padStart(3, '0')},0${7400000000 + i},demo${i}@example.com,Demo ${i},${i % 5 ? 'en' : 'cy'}`,
    );
  rows.push('DEMO-BAD1,not a number,bad@example.com,Bad,en', ',07400000001,,No Id,en');
  writeFileSync(join(root, 'subscribers.csv'), rows.join('\n') + '\n');
  const from = Date.parse(SAMPLE_WINDOW.from);
  const base = (format: GenOptions['format'], lines: number, seed: number): GenOptions => ({
    format,
    lines,
    seed,
    start: from - DAY / 8,
    end: from + 2 * DAY + DAY / 8,
    from,
    to: from + 2 * DAY,
    subscriberBase: 7400000000,
    subscriberCount: 40,
    strangerShare: 0.1,
    partner: 'o2.co.uk',
  });
  const truths = {
    squid: await writeLog(join(root, 'logs', 'gateway-squid.log'), base('squid', 240, 1)),
    elff: await writeLog(join(root, 'logs', 'proxysg-elff.log'), base('elff', 120, 2)),
    jsonl: await writeLog(join(root, 'logs', 'envoy.jsonl.gz'), base('jsonl', 120, 3)),
  };
  for (const [k, t] of Object.entries(truths))
    process.stdout.write(`${k}: ${t.linesRead} lines, ${t.exposures} exposures, ${t.distinct} numbers\n`);
}

if (require.main === module) void main();
