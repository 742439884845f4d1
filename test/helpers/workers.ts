import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './eventually';
import { assertNoPhoneNumbersLogged } from './log-guard';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/**
 * Worker processes (`CANDOR_ROLE=worker`, from `dist/src/main.js`) for crash tests: each logs to a file of its
 * own next to the test app's, which `close()` checks for unmasked phone numbers like the app's own.
 */
export class WorkerProcesses {
  private readonly logs = new Map<ChildProcess, string>();

  constructor(
    private readonly logFile: string,
    private readonly env: Record<string, string>,
  ) {}

  start(extra: Record<string, string> = {}): ChildProcess {
    const log = this.logFile.replace(/\.log$/, `-worker${this.logs.size}.log`);
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...this.env, CANDOR_ROLE: 'worker', LOG_FILE: log, ...extra },
      stdio: 'ignore',
    });
    this.logs.set(child, log);
    return child;
  }

  /** Resolves once each child has started its queue processors (it logs "workers running"). */
  ready(...children: ChildProcess[]): Promise<boolean> {
    return eventually(
      () => children.every((c) => this.read(c).includes('workers running')),
      120_000, // a worker boot takes 20 s and more on a loaded machine
      'the worker processes to start their processors',
    );
  }

  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    for (const c of this.logs.keys()) await this.kill(c);
    for (const log of this.logs.values()) assertNoPhoneNumbersLogged(log);
  }

  private read(child: ChildProcess): string {
    try {
      return readFileSync(this.logs.get(child)!, 'utf8');
    } catch {
      return ''; // no log file yet
    }
  }
}

/** The app's provider settings for the "outside world" of a crash test: the Twilio sandbox and the SMTP sink. */
export function outsideWorld(
  sms: { accountSid: string; authToken: string; url: string },
  mail: { url: string; lookupUrl: string },
): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: sms.accountSid,
    TWILIO_AUTH_TOKEN: sms.authToken,
    TWILIO_API_BASE_URL: sms.url,
    SMTP_URL: mail.url,
    SMTP_LOOKUP_URL: mail.lookupUrl, // the sink's message lookup resolves an email in doubt
  };
}
