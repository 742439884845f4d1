import { Logger } from '@nestjs/common';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import { classifyTwilioError } from './provider-error';

export interface OutgoingSms {
  to: string;
  body: string;
  statusCallback?: string;
  /** A sender of the pool: a `From` id or number, or a Messaging Service SID (`MG...`); default TWILIO_FROM. */
  from?: string;
  /** Seconds Twilio may hold the message in its queue before failing it with 30036 (1-36,000). */
  validityPeriod?: number;
}

/** The SMS boundary: send returns the provider's id; findSent answers "did this already go out?". */
export abstract class SmsProvider {
  abstract send(m: OutgoingSms): Promise<{ providerId: string }>;
  /** The id of a message to `to` created since `since` whose body contains `marker`, if any. */
  abstract findSent(to: string, since: Date, marker: string): Promise<string | null>;
  /** Auth token used to sign status callbacks and inbound webhooks. */
  abstract readonly authToken: string;
}

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  /** Another Twilio-compatible API (the sandbox); unset = api.twilio.com. */
  baseUrl?: string;
}

/** Sends every request of the real twilio client to another base URL (the local sandbox). */
class RebasedRequestClient extends RequestClient {
  constructor(private readonly base: string) {
    super({ keepAlive: true, timeout: 10_000 });
  }
  override request<T>(opts: RequestClient.RequestOptions<T>) {
    return super.request({ ...opts, uri: opts.uri.replace(/^https:\/\/[^/]+/, this.base) });
  }
}

/** The real `twilio` client; pointed at the sandbox through its httpClient option when no account is set. */
export class TwilioSmsProvider extends SmsProvider {
  private readonly client: twilio.Twilio;
  private readonly logger = new Logger('TwilioSmsProvider');

  constructor(private readonly settings: TwilioSettings) {
    super();
    this.client = twilio(settings.accountSid, settings.authToken, {
      httpClient: settings.baseUrl ? new RebasedRequestClient(settings.baseUrl) : undefined,
      autoRetry: false, // retries are the queue's job, with backoff and a record of each attempt
    });
  }

  get authToken(): string {
    return this.settings.authToken;
  }

  async send(m: OutgoingSms): Promise<{ providerId: string }> {
    try {
      const from = m.from ?? this.settings.from;
      const msg = await this.client.messages.create({
        to: m.to,
        ...(/^MG[0-9a-f]{32}$/i.test(from) ? { messagingServiceSid: from } : { from }),
        body: m.body,
        statusCallback: m.statusCallback,
        validityPeriod: m.validityPeriod,
      });
      // A message can be refused in the answer itself (a Messaging Service's full queue: failed, 30001).
      if (msg.status === 'failed' && msg.errorCode)
        throw Object.assign(new Error(msg.errorMessage ?? 'failed'), { code: msg.errorCode, status: 400 });
      return { providerId: msg.sid };
    } catch (e) {
      throw classifyTwilioError(e);
    }
  }

  async findSent(to: string, since: Date, marker: string): Promise<string | null> {
    try {
      const list = await this.client.messages.list({ to, dateSentAfter: since, limit: 50 });
      return list.find((x) => x.body?.includes(marker))?.sid ?? null;
    } catch (e) {
      const err = classifyTwilioError(e);
      this.logger.warn(`message lookup failed: ${err.code}`);
      throw err;
    }
  }
}
