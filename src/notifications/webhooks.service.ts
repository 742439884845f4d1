import { Injectable, Logger } from '@nestjs/common';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { AppConfig } from '../platform/config';
import { mask, Pseudonymiser, toE164 } from '../platform/privacy';
import { SubscribersService } from '../subscribers/subscribers.service';
import { InboundKeywords } from './inbound-keywords';
import { OutboxRepository } from './outbox.repository';
import { SmsProvider } from '../channels/sms-provider';
import { TemplateRegistry } from './templates/template-registry';

const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'STOPIO']);
const START = new Set(['START', 'YES', 'UNSTOP', 'DECHRAU']);
const HELP = new Set(['HELP', 'INFO', 'CYMORTH']);

/** Twilio's callbacks: the signature check, and replies (STOP/START/HELP, module keywords). Delivery statuses: DeliveryCallbacksService. */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly sms: SmsProvider,
    private readonly subscribers: SubscribersService,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly keywords: InboundKeywords,
    private readonly templates: TemplateRegistry,
    private readonly config: AppConfig,
  ) {}

  /** Checks X-Twilio-Signature against the public URL Twilio was given (the twilio library's validator). */
  signatureValid(
    signature: string | undefined,
    pathAndQuery: string,
    params: Record<string, string>,
  ): boolean {
    if (!signature) return false;
    return validateRequest(
      this.sms.authToken,
      signature,
      this.config.http.publicBaseUrl + pathAndQuery,
      params,
    );
  }

  /** Handles a reply and returns the text to answer with (or null for none). */
  async inbound(p: Record<string, string>): Promise<string | null> {
    const from = toE164(p.From ?? '', this.config.privacy.defaultCountry);
    if (!from) return null;
    const text = (p.Body ?? '').trim();
    const word = text.split(/\s+/)[0]?.toUpperCase() ?? '';
    const hmac = this.pseudonymiser.pseudonym(from);
    if (STOP.has(word)) {
      await this.outbox.optOut(hmac);
      await this.subscribers.setSmsOptOut(from, true);
      this.logger.log(`opt-out by SMS from ${mask(from)}`);
      return this.reply('sms-opted-out', from);
    }
    if (START.has(word)) {
      await this.outbox.optIn(hmac);
      await this.subscribers.setSmsOptOut(from, false);
      this.logger.log(`opt-in by SMS from ${mask(from)}`);
      return this.reply('sms-opted-in', from);
    }
    if (HELP.has(word)) return this.reply('sms-help', from);
    const answer = await this.keywords.handle(from, text);
    return answer === undefined ? this.reply('sms-help', from) : answer;
  }

  async reply(kind: string, from: string): Promise<string> {
    const sub = await this.subscribers.findByMsisdn(from);
    const base = this.config.http.publicBaseUrl;
    return this.templates.render(kind, sub?.locale ?? 'en', 'sms', {
      baseUrl: base,
      referenceCode: '',
      verifyUrl: `${base}/verify`,
    }).text;
  }
}
