import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface SandboxChange {
  key: string;
  accountId: string;
  oldMsisdn: string;
  newMsisdn: string;
  reference: string;
}

/**
 * A local stand-in for the operator's provisioning API (dev, tests, demo): POST /number-changes with an
 * Idempotency-Key. The same key replays the first answer; the same key with another body is 422.
 * `failNext(n, status)` makes the next n calls fail, to exercise retries.
 */
@Injectable()
export class ProvisioningSandbox implements OnApplicationShutdown {
  private readonly logger = new Logger(ProvisioningSandbox.name);
  private server?: Server;
  private url?: string;
  private starting?: Promise<string>;
  private failures: number[] = [];
  /** Distinct changes applied, in order. */
  readonly changes: SandboxChange[] = [];
  /** Every call, including replays and injected failures. */
  calls = 0;

  /** Where it listens, once started (never before the first cutover). */
  get address(): string | undefined {
    return this.url;
  }

  /** Starts once (concurrent first calls share the start) and answers the sandbox's address. */
  start(port = 0): Promise<string> {
    this.starting ??= this.listen(port).catch((e) => {
      this.starting = undefined; // a failed start (port taken) is tried again at the next call
      throw e;
    });
    return this.starting;
  }

  private async listen(port: number): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.logger.warn(`PROVISIONING_URL is not set: number changes go to the local sandbox at ${this.url}`);
    return this.url;
  }

  failNext(times: number, status = 503): void {
    this.failures.push(...Array<number>(times).fill(status));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.server) await new Promise((resolve) => this.server!.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/number-changes') return reply(404, { message: 'not found' });
    this.calls++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const failure = this.failures.shift();
    if (failure) return reply(failure, { message: 'injected failure' });
    const key = req.headers['idempotency-key'];
    let body: Partial<SandboxChange>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(400, { message: 'invalid JSON' });
    }
    if (typeof key !== 'string' || !body.accountId || !body.oldMsisdn || !body.newMsisdn)
      return reply(400, { message: 'Idempotency-Key, accountId, oldMsisdn and newMsisdn are required' });
    const seen = this.changes.find((c) => c.key === key);
    if (seen) {
      const same = seen.newMsisdn === body.newMsisdn && seen.oldMsisdn === body.oldMsisdn;
      return same
        ? reply(200, { reference: seen.reference })
        : reply(422, { message: 'key reused with another order' });
    }
    const change = {
      key,
      accountId: body.accountId,
      oldMsisdn: body.oldMsisdn,
      newMsisdn: body.newMsisdn,
      reference: `PRV-${randomUUID()}`,
    };
    this.changes.push(change);
    reply(201, { reference: change.reference });
  }
}
