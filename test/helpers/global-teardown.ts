import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoPhoneNumbersLogged } from './log-guard';

/** After the whole suite: no log line written by any test app holds an unmasked phone number. */
export default async function globalTeardown(): Promise<void> {
  const dir = join(__dirname, '..', '..', 'test-output', 'logs');
  if (!existsSync(dir)) return;
  const files = readdirSync(dir).filter((f) => f.endsWith('.log'));
  for (const f of files) assertNoPhoneNumbersLogged(join(dir, f));
  process.stdout.write(`\nprivacy check: ${files.length} log files scanned, no unmasked phone numbers\n`);
}
