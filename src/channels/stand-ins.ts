/**
 * The local stand-ins for the real providers, as the channels see them: the sandbox's Twilio-compatible API
 * and its SMTP sink. The sandbox provides both (null when the real provider is configured); the channels
 * choose real-or-sandbox from these without importing the sandbox.
 */
export abstract class SmsStandIn {
  abstract readonly url: string;
  abstract readonly accountSid: string;
  abstract readonly authToken: string;
}

export abstract class EmailStandIn {
  abstract readonly url: string;
  /** Its message lookup (whether a Message-ID was accepted). */
  abstract readonly lookupUrl: string;
}
