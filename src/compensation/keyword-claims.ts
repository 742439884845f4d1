import { Injectable, OnModuleInit } from '@nestjs/common';
import { InboundKeywords } from '../notifications/inbound-keywords';
import { TemplateRegistry } from '../notifications/templates/template-registry';
import { AppConfig } from '../platform/config';
import { SubscribersService } from '../subscribers/subscribers.service';
import { COMPENSATION_KINDS } from './compensation-messages';
import { OfferClaimsService } from './offer-claims.service';

/**
 * Claims by SMS reply: a text starting with an offer's keyword claims it for the sender's number. A claim is
 * confirmed by the usual confirmation message (with its reference code); a refusal gets a short answer.
 */
@Injectable()
export class KeywordClaims implements OnModuleInit {
  constructor(
    private readonly keywords: InboundKeywords,
    private readonly offers: OfferClaimsService,
    private readonly templates: TemplateRegistry,
    private readonly subscribers: SubscribersService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.keywords.registerFallback((from, text) => this.answer(from, text));
  }

  async answer(fromE164: string, text: string): Promise<string | null> {
    const { outcome } = await this.offers.claimByKeyword(fromE164, text);
    if (outcome === 'unknown_keyword' || outcome === 'unknown_subscriber') return null; // not a claim: HELP
    if (outcome === 'claimed') return ''; // the confirmation follows through the outbox
    const locale = (await this.subscribers.findByMsisdn(fromE164))?.locale ?? 'en';
    const base = this.config.http.publicBaseUrl;
    const kind: keyof typeof COMPENSATION_KINDS = 'claim-refused';
    return this.templates.render(kind, locale, 'sms', {
      baseUrl: base,
      referenceCode: '',
      verifyUrl: `${base}/verify`,
    }).text;
  }
}
