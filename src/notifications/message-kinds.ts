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
  /**
   * Paragraphs comms write per campaign, in English and Welsh (notice-composition.ts): optional while the
   * campaign is a draft (an empty one renders as nothing), checked like every variable.
   */
  paragraphs?: string[];
  /** Variables that read the same in every language (an SMS keyword): no Welsh text is asked for. */
  sameInEveryLanguage?: string[];
  /** A personal-data breach notice: approval needs every Regulation 611/2013 Annex II item. */
  annexII?: boolean;
}

/** Every template gets these too: the verify code printed in the message and where to check it. */
export const COMMON_VARS: Record<string, string> = {
  baseUrl: '{base}',
  referenceCode: '7K2Q-M9XA3B',
  verifyUrl: '{base}/verify/7K2Q-M9XA3B',
};

/**
 * The message kinds Candor sends: the pipeline's own here, every other module's added by `declareMessageKinds`.
 * Every template of a kind that goes through the outbox prints the reference code (`referenceCode` or
 * `verifyUrl`): it is how customers tell us from phishers, and how a resend after a crash finds the message
 * Twilio already accepted. A kind is declared once; its templates live in templates/sms/<kind>.<locale>.hbs
 * and templates/email/<kind>.<locale>.hbs (every locale of LOCALES).
 */
export const MESSAGE_KINDS: Record<string, MessageKind> = {
  // The notice to the people a personal-data breach concerns: the frame (templates/*/breach-notice.*.hbs)
  // prints the paragraphs comms write; the links and the operator's details are Candor's (notice-composition).
  'breach-notice': {
    vars: {
      firstName: 'Alex',
      incidentTitle: 'Mobile numbers shared with websites',
      whatHappened:
        'A fault in our web gateway added your mobile number to the requests your phone sent to websites.',
      whenItHappened: 'Between 17 and 24 November 2025.',
      dataConcerned: 'Your mobile number only. Not your name, messages, passwords or payment details.',
      likelyConsequences: 'Websites you visited could see your number; you may get unwanted calls or texts.',
      otherCircumstances: 'We have no sign that anyone has misused the numbers.',
      measuresTaken: 'We fixed the gateway on 24 November and asked the websites to delete the numbers.',
      measuresRecommended:
        'Be wary of unexpected calls or texts that mention this; you can ask for a new number.',
      contactDetails: 'Call us free, 8am to 8pm, or write to us.',
      incidentUrl: '{base}/status/incidents/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f',
      accountUrl: '{base}/account',
      operatorName: 'Candor Mobile',
      contactPoint: '0800 123 4567',
    },
    paragraphs: [
      'whatHappened',
      'whenItHappened',
      'dataConcerned',
      'likelyConsequences',
      'otherCircumstances',
      'measuresTaken',
      'measuresRecommended',
      'contactDetails',
    ],
    annexII: true,
    channels: ['sms', 'email'],
    campaign: true,
    quietHours: true,
  },
  // Incidents: cadence reminders to on-duty staff (the overdue one also to supervisors).
  'incident-update-due': {
    vars: {
      incidentTitle: 'Mobile numbers shared with websites',
      nextUpdateBy: 'Tuesday 25 November at 14:00 GMT',
      minutesLeft: '10',
      timeLeft: '10 minutes',
      staffUrl: '{base}/console/incidents/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f',
    },
    channels: ['sms', 'email'],
  },
  'incident-update-overdue': {
    vars: {
      incidentTitle: 'Mobile numbers shared with websites',
      nextUpdateBy: 'Tuesday 25 November at 14:00 GMT',
      minutesLate: '0',
      timeLate: 'less than a minute',
      staffUrl: '{base}/console/incidents/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f',
    },
    channels: ['sms', 'email'],
  },
  // Status page subscriptions: double opt-in, SMS confirmation code, and each published update.
  'status-subscription-confirm': {
    vars: {
      incidentTitle: 'Mobile numbers shared with websites',
      confirmUrl: '{base}/status/subscriptions/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f/confirm?token=abc',
    },
    channels: ['email'],
  },
  'status-subscription-code': {
    vars: { incidentTitle: 'Mobile numbers shared with websites', code: '123456' },
    channels: ['sms'],
  },
  'status-update': {
    vars: {
      incidentTitle: 'Mobile numbers shared with websites',
      statusLabel: 'Cause identified',
      body: 'We have found the cause and are working on a fix.',
      correction: '',
      nextUpdateBy: 'Tuesday 25 November at 14:00 GMT',
      statusUrl: '{base}/status/incidents/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f',
      unsubscribeUrl:
        '{base}/status/subscriptions/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f/unsubscribe?token=0123456789abcdef0123456789abcdef',
    },
    channels: ['sms', 'email'],
  },
  /** A provider refused a campaign in a way only a person can fix (content filtered, account): it is paused. */
  'campaign-paused': {
    vars: {
      campaignName: 'Breach notice: affected customers',
      reason: '30007: the carrier filtered the message; change its content or sender, then resume',
      staffUrl: '{base}/console/campaigns/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f',
    },
    channels: ['email'],
  },
  /** The same refusal, come back once the campaign could no longer be paused (it had finished): told once. */
  'campaign-refused': {
    vars: {
      campaignName: 'Breach notice: affected customers',
      reason: '30007: the carrier filtered the message; change its content or sender before sending it again',
      staffUrl: '{base}/console/campaigns/3f1c2b9e-8d7a-4c5b-9e0f-1a2b3c4d5e6f',
    },
    channels: ['email'],
  },
  'sms-help': { vars: {}, channels: ['sms'], replyOnly: true },
  'sms-opted-out': { vars: {}, channels: ['sms'], replyOnly: true },
  'sms-opted-in': { vars: {}, channels: ['sms'], replyOnly: true },
};

/**
 * The one way a module adds its message kinds: call it at the top of its `x.module.ts` (run as the module
 * loads, before the template registry loads the templates at start). Notifications imports no feature module;
 * a name declared twice with another definition is refused.
 */
export function declareMessageKinds(kinds: Record<string, MessageKind>): void {
  for (const [name, kind] of Object.entries(kinds)) {
    const known = MESSAGE_KINDS[name];
    if (known && known !== kind) throw new Error(`message kind "${name}" is declared twice`);
    MESSAGE_KINDS[name] = kind;
  }
}

/** Kinds whose SMS wait for the end of quiet hours (read when needed: modules declare kinds as they load). */
export function quietKinds(): string[] {
  return Object.entries(MESSAGE_KINDS)
    .filter(([, k]) => k.quietHours)
    .map(([name]) => name);
}
