/**
 * How a one-time code reaches a customer's phone. Bound in IdentityModule to the SMS provider of the
 * notifications pipeline; a separate seam so identity does not depend on campaign machinery.
 */
export abstract class OtpSender {
  abstract sendCode(toE164: string, text: string): Promise<void>;
}
