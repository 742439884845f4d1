import { existsSync, readFileSync } from 'node:fs';
import { containsPhoneNumber } from '../../src/platform/privacy/msisdn';

export function assertNoPhoneNumbersLogged(logFile: string): void {
  if (!existsSync(logFile)) return;
  const bad = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => containsPhoneNumber(line));
  if (bad.length) {
    throw new Error(
      `unmasked phone number in ${bad.length} log line(s) of ${logFile}:\n${bad[0].slice(0, 300)}`,
    );
  }
}
