import { simpleParser, ParsedMail } from 'mailparser';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { Waitable } from './waitable';
import { EmailStandIn } from '../channels/stand-ins';

export interface SinkMail {
  envelopeFrom: string;
  envelopeTo: string[];
  parsed: ParsedMail;
  raw: string;
}

/**
 * A real SMTP server (the `smtp-server` package) that keeps what it receives, parsed with mailparser.
 * The default mail transport when SMTP_URL is unset, so emails cross a real SMTP conversation in tests,
 * the demo and the benchmark. Recipients can be made to fail permanently (550) or transiently (451).
 */
export class SmtpSink implements EmailStandIn {
  readonly messages = new Waitable<SinkMail>();
  /** Address → SMTP reply code refused at RCPT TO (e.g. 550 permanent, 451 transient). */
  readonly failures = new Map<string, number>();
  /** Refuse the next N recipients with 451 whatever the address. */
  transientFailuresLeft = 0;
  /** Keep only counts, not the messages (benchmarks). */
  countOnly = false;
  received = 0;
  /** Message-IDs accepted (kept even with countOnly): what the lookup answers from. */
  private readonly accepted = new Set<string>();
  private server?: SMTPServer;
  private lookup?: Server;

  constructor(private readonly port = 0) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  /**
   * `GET <lookupUrl>?messageId=<id>` → `{"found":true|false}`: whether a message with that Message-ID was
   * accepted, as an email service's message-lookup API answers (what resolves an email in doubt after a crash).
   */
  get lookupUrl(): string {
    const a = this.lookup?.address() as AddressInfo | undefined;
    if (!a) throw new Error('SMTP sink not started');
    return `http://127.0.0.1:${a.port}/messages`;
  }

  get boundPort(): number {
    const a = (this.server as any)?.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error('SMTP sink not started');
    return a.port;
  }

  async start(): Promise<this> {
    const options: SMTPServerOptions = {
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      closeTimeout: 500, // pooled clients may still be connected when the app shuts down
      logger: false,
      size: 10 * 1024 * 1024,
      onRcptTo: (address, _session, cb) => {
        const code =
          this.failures.get(address.address.toLowerCase()) ?? (this.transientFailuresLeft > 0 ? 451 : 0);
        if (!code) return cb();
        if (this.transientFailuresLeft > 0 && !this.failures.has(address.address.toLowerCase()))
          this.transientFailuresLeft--;
        const err: Error & { responseCode?: number } = new Error(
          code >= 500 ? 'Mailbox unavailable' : 'Try again later',
        );
        err.responseCode = code;
        cb(err);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', (e) => cb(e)); // a client that dies mid-message
        stream.on('end', () => {
          this.received++;
          const head = chunks[0]?.subarray(0, 4096).toString() ?? '';
          const id = head.match(/^Message-ID:\s*(<[^>\r\n]+>)/im)?.[1];
          if (id) this.accepted.add(id);
          if (this.countOnly) return cb();
          const raw = Buffer.concat(chunks).toString();
          simpleParser(raw)
            .then((parsed) => {
              this.messages.push({
                envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                parsed,
                raw,
              });
              cb();
            })
            .catch((e) => cb(e));
        });
      },
    };
    this.server = new SMTPServer(options);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    // A client that resets its connection mid-transaction is that client's problem, not the host process's.
    this.server.on('error', () => undefined);
    this.lookup = createServer((req, res) => {
      const id = new URL(req.url ?? '/', 'http://x').searchParams.get('messageId') ?? '';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ found: this.accepted.has(id) }));
    });
    await new Promise<void>((r) => this.lookup!.listen(0, '127.0.0.1', () => r()));
    return this;
  }

  async stop(): Promise<void> {
    if (this.lookup) await new Promise((r) => this.lookup!.close(r));
    this.lookup = undefined;
    if (!this.server) return;
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = undefined;
  }
}
