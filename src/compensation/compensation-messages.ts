import type { MessageKind } from '../notifications/message-kinds';

/** The message kinds compensation sends, declared in compensation.module.ts (templates in templates/). */
export const COMPENSATION_KINDS = {
  /** A customer's claim of a compensation offer is confirmed (src/compensation/claim-notifier.ts). */
  'compensation-claimed': {
    vars: { firstName: 'Alex', offerName: 'Sorry for the exposure', benefit: '£5.00 account credit' },
    channels: ['sms', 'email'],
  },
  // Tells an audience about a compensation offer; the keyword claims it by SMS reply (compensation module).
  'offer-notice': {
    vars: {
      firstName: 'Alex',
      apology: 'We are sorry we shared your mobile number with websites you visited.',
      offerName: 'a £10 credit',
      keyword: 'SORRY',
      offersUrl: '{base}/account/offers',
    },
    // What comms write per campaign (English and Welsh); offersUrl is filled in by Candor.
    paragraphs: ['apology'],
    sameInEveryLanguage: ['keyword'],
    channels: ['sms', 'email'],
    campaign: true,
    quietHours: true,
  },
  // The short answer to a claim by SMS keyword that cannot be honoured (src/compensation/keyword-claims.ts).
  'claim-refused': { vars: {}, channels: ['sms'], replyOnly: true },
} satisfies Record<string, MessageKind>;
