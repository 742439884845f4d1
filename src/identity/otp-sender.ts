import type { EntityManager } from 'typeorm';

export interface SignInCode {
  toE164: string;
  code: string;
  minutes: number;
  subscriberId: string;
  locale: string;
  challengeId: string;
}

/**
 * How a one-time code reaches a customer's phone: queued in the challenge's own transaction, so a request
 * costs the same whether or not the number is a customer's (the provider is never awaited on the request).
 * Bound in IdentityModule to the notifications outbox; a seam so tests can replace it.
 */
export abstract class OtpSender {
  abstract queueCode(manager: EntityManager, code: SignInCode): Promise<void>;
}
