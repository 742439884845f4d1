/**
 * A provider's refusal, classified once at the boundary: permanent errors are recorded and never retried
 * (Twilio 21211 invalid number, 21610 unsubscribed, 21614 not a mobile; SMTP 5xx); transient ones are
 * retried with backoff (HTTP 429/5xx, Twilio 20429, SMTP 4xx, connection failures).
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

const PERMANENT_TWILIO = new Set([21211, 21408, 21610, 21612, 21614, 21617, 21635, 30006]);

/** Classifies what the twilio client threw (a RestException with code/status, or a network error). */
export function classifyTwilioError(e: any): ProviderError {
  const code = Number(e?.code);
  const status = Number(e?.status);
  if (Number.isFinite(code) && PERMANENT_TWILIO.has(code))
    return new ProviderError(e.message ?? 'rejected', `twilio:${code}`, true);
  if (code === 20003 || status === 401)
    return new ProviderError('Twilio authentication failed', 'twilio:20003', false);
  if (Number.isFinite(code) && code > 0) {
    const permanent = status >= 400 && status < 500 && status !== 429 && code !== 20429;
    return new ProviderError(e.message ?? 'rejected', `twilio:${code}`, permanent);
  }
  return new ProviderError(e?.message ?? String(e), `net:${e?.code ?? 'error'}`, false);
}

/** Classifies a nodemailer error: an SMTP reply code of 5xx is permanent, anything else transient. */
export function classifySmtpError(e: any): ProviderError {
  const reply = Number(e?.responseCode);
  if (reply >= 500) return new ProviderError(e.message, `smtp:${reply}`, true);
  if (reply >= 400) return new ProviderError(e.message, `smtp:${reply}`, false);
  return new ProviderError(e?.message ?? String(e), `net:${e?.code ?? 'error'}`, false);
}
