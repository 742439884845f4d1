/* The Twilio sandbox in a process of its own, for the paced campaign runs: a real provider does not share the
 * bench's event loop (the API app, the polling, the other sink), so its clock, which the rate and the worst
 * second are measured on, must not stall with it. The parent talks to it over the IPC channel. */
import { ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SandboxAccount, TwilioSandbox } from '../src/sandbox/twilio-sandbox';

/** A message as the sandbox stamped it on arrival (its own clock, ms). */
export interface Arrival {
  /** The outbox row, from the message's StatusCallback (`?m=`). */
  id: string;
  to: string;
  from: string;
  numSegments: number;
  at: number;
}

export interface Collected {
  messages: Arrival[];
  refused: Record<number, number>;
  /** The sandbox process's own event-loop delay over the run, ms. */
  loopDelayMs: { p50: number; p99: number; max: number };
}

type Request = { op: 'account'; account: Partial<SandboxAccount> } | { op: 'collect' };

/** The parent's handle on a sandbox child. */
export class SandboxProcess {
  private seq = 0;
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(accountSid: string, authToken: string): Promise<SandboxProcess> {
    const child = fork(__filename, [accountSid, authToken], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    // A provider runs on its own machines: ahead of the bench's own processes for the CPU (it needs a few % of a
    // core), so its clock measures the senders, not this machine's load. Needs root; else it runs as is.
    try {
      setPriority(child.pid!, -10);
    } catch {
      /* not permitted: the sandbox's loop delay in the report says how much that mattered */
    }
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: any) => resolve(m.url));
      child.once('exit', (code) => reject(new Error(`sandbox process exited (${code})`)));
    });
    return new SandboxProcess(child, url);
  }

  private call<T>(req: Request): Promise<T> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const on = (m: any) => {
        if (m.seq !== seq) return;
        this.child.off('message', on);
        resolve(m.result);
      };
      this.child.on('message', on);
      this.child.send({ seq, ...req });
    });
  }

  account(account: Partial<SandboxAccount>): Promise<void> {
    return this.call({ op: 'account', account });
  }

  collect(): Promise<Collected> {
    return this.call({ op: 'collect' });
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await new Promise((r) => this.child.once('exit', r));
  }
}

async function child(accountSid: string, authToken: string): Promise<void> {
  const sms = await new TwilioSandbox({ accountSid, authToken }).start();
  sms.callbackStatuses = []; // delivery callbacks are not what is measured
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  process.on('message', (m: Request & { seq: number }) => {
    if (m.op === 'account') {
      Object.assign(sms.account, m.account);
      sms.refused.clear();
      sms.messages.clear();
      delay.reset();
      return process.send!({ seq: m.seq, result: null });
    }
    const result: Collected = {
      messages: sms.messages.all.map((x) => ({
        id: new URL(x.statusCallback ?? 'http://x/').searchParams.get('m') ?? '',
        to: x.to,
        from: x.from,
        numSegments: x.numSegments,
        at: x.dateCreated.getTime(),
      })),
      refused: Object.fromEntries(sms.refused),
      loopDelayMs: {
        p50: delay.percentile(50) / 1e6,
        p99: delay.percentile(99) / 1e6,
        max: delay.max / 1e6,
      },
    };
    process.send!({ seq: m.seq, result });
  });
  process.on('SIGTERM', () => void sms.stop().then(() => process.exit(0)));
  process.send!({ url: sms.url });
}

if (require.main === module) void child(process.argv[2], process.argv[3]);
