import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { smsInfo } from '../channels/sms-segments';
import { ERRORS, json, readBody, sid, twilioError } from './twilio-wire';
import { Waitable } from './waitable';
import { SmsStandIn } from '../channels/stand-ins';

/** A message as the sandbox stored it (the subset of Twilio's Message resource we use). */
export interface SandboxSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  status: 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';
  numSegments: number;
  dateCreated: Date;
  statusCallback?: string;
  /** When the sender's queue lets it go (its segments paced at the sender's rate); dateCreated if unpaced. */
  dateSent: Date;
  /** The error code of a failed or undelivered message (30001 overflow, 30036 expired, a number's fault). */
  errorCode?: number;
}

export interface TwilioSandboxOptions {
  port?: number;
  accountSid?: string;
  authToken?: string;
  /** Send signed status callbacks (sent, then delivered or failed) to each message's StatusCallback. */
  callbacks?: boolean;
  /** Delay before the callbacks, ms. */
  callbackDelayMs?: number;
}

/**
 * The account the sandbox models, as Twilio runs one: each sender (a `From` or a Messaging Service SID) drains
 * its own queue at its segment rate; a message that finds the queue full is refused (21611 for a `From`;
 * failed with 30001 for a Messaging Service); one that would wait longer than its `ValidityPeriod` fails with
 * 30036 when that runs out; more create requests in a second than `maxRequestsPerSecond` get 429 (20429).
 */
export interface SandboxAccount {
  /** Segments per second per sender; a sender not listed uses `defaultSegmentsPerSecond` (0 = unpaced). */
  senderRates: Record<string, number>;
  defaultSegmentsPerSecond: number;
  /** A sender's queue, in seconds of its own traffic (Twilio: 4 hours, now up to 10) … */
  queueSeconds: number;
  /** … or, when set, in segments (tests use a handful). */
  queueSegments?: number;
  /** Create requests in any second before 429 (0 = no limit). */
  maxRequestsPerSecond: number;
  /** Send every status callback twice, with the same I-Twilio-Idempotency-Token (as Twilio's retries do). */
  duplicateCallbacks: boolean;
}

/**
 * A local Twilio-compatible Messages API (create, list, fetch) over HTTP with Basic auth, realistic error
 * codes and signed status callbacks. The real `twilio` client talks to it through its `httpClient` option,
 * so tests, the demo and the benchmark exercise the provider boundary at the wire.
 */
export class TwilioSandbox implements SmsStandIn {
  readonly accountSid: string;
  readonly authToken: string;
  readonly messages = new Waitable<SandboxSms>();
  /** Number → Twilio error code answered for every message to it. */
  readonly failures = new Map<string, number>();
  /** Errors answered to the next requests, whatever the number (e.g. [20429, 30001] then success). */
  readonly nextErrors: number[] = [];
  /** When set, a create request is stored then its response held this long (crash-window tests). */
  holdResponseMs = 0;
  /** Number → delivery error code (30003, 30005, 30006, 30007, 30008…): accepted, then reported undelivered. */
  readonly deliveryFailures = new Map<string, number>();
  /** Statuses to report in callbacks, in order, per message; default sent then delivered. */
  callbackStatuses: Array<SandboxSms['status']> = ['sent', 'delivered'];
  /** The account model (per-sender segment rate and queue, 429 under burst, duplicate callbacks). */
  readonly account: SandboxAccount = {
    senderRates: {},
    defaultSegmentsPerSecond: 0,
    queueSeconds: 4 * 3600,
    maxRequestsPerSecond: 0,
    duplicateCallbacks: false,
  };
  /** Refusals the sandbox answered, by code (overflows, 429s, expiries), for tests and the benchmark. */
  readonly refused = new Map<number, number>();
  /** Callbacks posted (a duplicate counts twice). */
  callbacksSent = 0;
  private server?: Server;
  private readonly pending = new Set<NodeJS.Timeout>();
  /** Per sender: segments waiting in its queue as of `at` (ms). */
  private readonly queues = new Map<string, { level: number; at: number }>();
  private recentCreates: number[] = [];

  constructor(private readonly opts: TwilioSandboxOptions = {}) {
    this.accountSid = opts.accountSid ?? 'AC' + '0'.repeat(32);
    this.authToken = opts.authToken ?? randomBytes(16).toString('hex');
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error('Twilio sandbox not started');
    return `http://127.0.0.1:${a.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => json(res, 500, { code: 20500, message: String(e), status: 500 }));
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server!.listen(this.opts.port ?? 0, '127.0.0.1', r));
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = undefined;
  }

  /** Sends a signed inbound SMS (as a customer's reply) to `webhookUrl`, returning the response body. */
  async inbound(webhookUrl: string, from: string, body: string, to = 'Candor'): Promise<string> {
    const params = { MessageSid: sid('SM'), AccountSid: this.accountSid, From: from, To: to, Body: body };
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': getExpectedTwilioSignature(this.authToken, webhookUrl, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    return res.text();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const m = url.pathname.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/);
    if (!m)
      return json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    if (!this.authorised(req, m[1])) return twilioError(res, 20003);
    if (req.method === 'POST' && !m[2]) return this.create(res, new URLSearchParams(await readBody(req)));
    if (req.method === 'GET' && m[2]) {
      const msg = this.messages.find((x) => x.sid === m[2]);
      return msg ? json(res, 200, this.resource(msg)) : twilioError(res, 20404);
    }
    if (req.method === 'GET') return this.list(res, url.searchParams);
    return json(res, 405, { code: 20004, message: 'Method not allowed', status: 405 });
  }

  private authorised(req: IncomingMessage, sidInPath: string): boolean {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Basic ')) return false;
    const [user, pass] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    return user === this.accountSid && pass === this.authToken && sidInPath === this.accountSid;
  }

  private async create(res: ServerResponse, form: URLSearchParams): Promise<void> {
    const to = form.get('To') ?? '';
    const body = form.get('Body') ?? '';
    const now = Date.now();
    if (this.account.maxRequestsPerSecond > 0) {
      this.recentCreates = this.recentCreates.filter((t) => t > now - 1000);
      if (this.recentCreates.length >= this.account.maxRequestsPerSecond) return this.refuse(res, 20429);
      this.recentCreates.push(now);
    }
    const forced = this.nextErrors.shift() ?? this.failures.get(to);
    if (forced) return this.refuse(res, forced);
    if (!/^\+[1-9]\d{7,14}$/.test(to)) return twilioError(res, 21211);
    if (!body) return json(res, 400, { code: 21602, message: 'Message body is required.', status: 400 });
    const service = form.get('MessagingServiceSid');
    const from = form.get('From') ?? service ?? '';
    // Counted as Twilio does; plain GSM-7 directly (the grapheme-splitting calculator was most of this server's CPU).
    const segments = smsInfo(body).segments;
    const queued = this.enqueue(from, segments, now);
    if (queued === 'full' && !service) return this.refuse(res, 21611);
    const validityMs = Number(form.get('ValidityPeriod') ?? 0) * 1000;
    const waitMs = queued === 'full' ? 0 : queued;
    const msg: SandboxSms = {
      sid: sid('SM'),
      to,
      from,
      body,
      status: 'queued',
      numSegments: segments,
      dateCreated: new Date(now),
      dateSent: new Date(now + waitMs),
      statusCallback: form.get('StatusCallback') ?? undefined,
    };
    if (queued === 'full') {
      // A Messaging Service accepts the request and fails the message at once: its queue overflowed. Not
      // stored (it never went out) and no callback (the sender retries it; a late "failed" must not close the
      // row it put back in the queue).
      this.count(30001);
      return json(res, 201, this.resource({ ...msg, status: 'failed', errorCode: 30001 }));
    }
    this.messages.push(msg);
    const expired = validityMs > 0 && waitMs > validityMs;
    if (expired) this.count(30036);
    if (this.opts.callbacks !== false && msg.statusCallback) {
      const failure = this.deliveryFailures.get(to);
      if (expired) this.scheduleCallbacks(msg, ['failed'], validityMs, 30036);
      else if (failure) this.scheduleCallbacks(msg, ['sent', 'undelivered'], waitMs, failure);
      else this.scheduleCallbacks(msg, this.callbackStatuses, waitMs);
    }
    if (this.holdResponseMs) await new Promise((r) => setTimeout(r, this.holdResponseMs));
    json(res, 201, this.resource(msg));
  }

  /** Twilio's list: To, From, DateSent (and DateSent< / DateSent>) filters, newest first, paged. */
  private list(res: ServerResponse, q: URLSearchParams): void {
    const to = q.get('To');
    const after = q.get('DateSent>');
    const before = q.get('DateSent<');
    const pageSize = Math.min(Number(q.get('PageSize') ?? 50), 1000);
    const items = this.messages
      .filter(
        (x) =>
          (!to || x.to === to) &&
          (!after || x.dateCreated >= new Date(after)) &&
          (!before || x.dateCreated < new Date(before)),
      )
      .reverse()
      .slice(0, pageSize);
    json(res, 200, {
      messages: items.map((x) => this.resource(x)),
      page: 0,
      page_size: pageSize,
      next_page_uri: null,
      previous_page_uri: null,
      first_page_uri: null,
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages.json`,
    });
  }

  /**
   * Takes `segments` into `from`'s queue, drained at the sender's rate since the last look: answers how long
   * the message waits there (ms), or 'full' if it does not fit. An unpaced sender never queues.
   */
  private enqueue(from: string, segments: number, now: number): number | 'full' {
    const rate = this.account.senderRates[from] ?? this.account.defaultSegmentsPerSecond;
    if (!rate) return 0;
    const q = this.queues.get(from) ?? { level: 0, at: now };
    q.level = Math.max(0, q.level - (rate * (now - q.at)) / 1000);
    q.at = now;
    this.queues.set(from, q);
    if (q.level + segments > (this.account.queueSegments ?? rate * this.account.queueSeconds)) return 'full';
    const wait = (q.level / rate) * 1000;
    q.level += segments;
    return wait;
  }

  private refuse(res: ServerResponse, code: number): void {
    this.count(code);
    twilioError(res, code);
  }

  private count(code: number): void {
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
  }

  private scheduleCallbacks(
    msg: SandboxSms,
    statusList: Array<SandboxSms['status']>,
    firstDelayMs: number,
    errorCode?: number,
  ): void {
    const statuses = [...statusList];
    const step = () => {
      const status = statuses.shift();
      if (!status) return;
      const token = randomBytes(16).toString('hex');
      this.postCallback(msg, status, errorCode, token)
        .then(() =>
          this.account.duplicateCallbacks ? this.postCallback(msg, status, errorCode, token) : undefined,
        ) // a retry of the same callback
        .finally(() => this.later(step));
    };
    this.later(step, firstDelayMs);
  }

  /**
   * Posts one status callback for a stored message now (as Twilio does, late or again when it retries): the
   * message takes the status; answers the HTTP status of the webhook's answer (0 if it could not be reached).
   */
  async callback(
    sid: string,
    status: SandboxSms['status'],
    errorCode?: number,
    token = randomBytes(16).toString('hex'),
  ): Promise<number> {
    const msg = this.messages.find((m) => m.sid === sid);
    if (!msg?.statusCallback) throw new Error(`no message ${sid} with a status callback`);
    return this.postCallback(msg, status, errorCode, token);
  }

  private async postCallback(
    msg: SandboxSms,
    status: SandboxSms['status'],
    errorCode: number | undefined,
    token: string,
  ): Promise<number> {
    msg.status = status;
    if (errorCode && (status === 'failed' || status === 'undelivered')) msg.errorCode = errorCode;
    const params: Record<string, string> = {
      MessageSid: msg.sid,
      SmsSid: msg.sid,
      AccountSid: this.accountSid,
      From: msg.from,
      To: msg.to,
      MessageStatus: status,
      SmsStatus: status,
    };
    if (status === 'failed' || status === 'undelivered') params.ErrorCode = String(msg.errorCode ?? 30003);
    this.callbacksSent++;
    try {
      const res = await fetch(msg.statusCallback!, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': getExpectedTwilioSignature(this.authToken, msg.statusCallback!, params),
          'i-twilio-idempotency-token': token,
        },
        body: new URLSearchParams(params).toString(),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  private later(fn: () => void, extraMs = 0): void {
    const t = setTimeout(
      () => {
        this.pending.delete(t);
        fn();
      },
      (this.opts.callbackDelayMs ?? 20) + extraMs,
    );
    this.pending.add(t);
  }

  private resource(m: SandboxSms) {
    return {
      sid: m.sid,
      account_sid: this.accountSid,
      to: m.to,
      from: m.from,
      body: m.body,
      status: m.status,
      num_segments: String(m.numSegments),
      direction: 'outbound-api',
      date_created: m.dateCreated.toUTCString(),
      date_sent: m.dateSent.toUTCString(),
      date_updated: new Date().toUTCString(),
      error_code: m.errorCode ?? null,
      error_message: m.errorCode ? (ERRORS[m.errorCode]?.message ?? 'failed') : null,
      price: null,
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${m.sid}.json`,
    };
  }
}
