import { NUMBER_CHANGE_KINDS } from '../number-change/number-change-messages';

export type Channel = 'sms' | 'email';

export interface MessageKind {
  /** Variables the templates may use, with sample values for previews and load-time checks
   *  (`{base}` in a sample stands for PUBLIC_BASE_URL). */
  vars: Record<string, string>;
  /** Channels this kind has templates for. */
  channels: Channel[];
  /** Campaign kinds are sent to an audience; the others are one-off (transactional) messages. */
  campaign?: boolean;
  /** SMS of this kind wait for the end of quiet hours (unless the campaign overrides it). */
  quietHours?: boolean;
  /** Only ever an immediate answer to an inbound SMS (TwiML), never sent through the outbox. */
  replyOnly?: boolean;
}

/** Every template gets these too: the verify code printed in the message and where to check it. */
export const COMMON_VARS: Record<string, string> = {
  baseUrl: '{base}',
  referenceCode: '7K2Q-M9XA3B',
  verifyUrl: '{base}/verify/7K2Q-M9XA3B',
};

/**
 * The message kinds Candor sends. Every template of a kind that goes through the outbox prints the
 * reference code (`referenceCode` or `verifyUrl`): it is how customers tell us from phishers, and how a
 * resend after a crash finds the message Twilio already accepted. A kind is declared here once; its templates live in
 * templates/sms/<kind>.<locale>.hbs and templates/email/<kind>.<locale>.hbs (en and cy).
 */
export const MESSAGE_KINDS: Record<string, MessageKind> = {
  'breach-notice': {
    vars: {
      firstName: 'Alex',
      incidentTitle: 'Mobile numbers shared with websites',
      statusUrl: '{base}/status',
    },
    channels: ['sms', 'email'],
    campaign: true,
    quietHours: true,
  },
  /** A customer's claim of a compensation offer is confirmed (src/compensation/claim-notifier.ts). */
  'compensation-claimed': {
    vars: { firstName: 'Alex', offerName: 'Sorry for the exposure', benefit: '£5.00 account credit' },
    channels: ['sms', 'email'],
  },
  'sms-help': { vars: {}, channels: ['sms'], replyOnly: true },
  'sms-opted-out': { vars: {}, channels: ['sms'], replyOnly: true },
  'sms-opted-in': { vars: {}, channels: ['sms'], replyOnly: true },
  'claim-refused': { vars: {}, channels: ['sms'], replyOnly: true },
  ...NUMBER_CHANGE_KINDS,
};

export const LOCALES = ['en', 'cy'] as const;
