import type { MessageKind } from '../notifications/message-kinds';

/** Message kinds the identity module sends (registered into MESSAGE_KINDS). */
export const IDENTITY_KINDS: Record<string, MessageKind> = {
  /** A customer's sign-in code, queued through the outbox in the challenge's transaction (issue 18, F8). */
  'customer-sign-in-code': { vars: { code: '482913', minutes: '10' }, channels: ['sms'] },
};
