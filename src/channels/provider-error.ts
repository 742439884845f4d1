/**
 * What to do about a provider's refusal, decided once at the boundary:
 * - `retry`: the request was never processed (HTTP 429, Twilio 20429, 5xx, a network error before an answer):
 *   retried with backoff, and the send queue is rate-limited for a moment so the whole fleet slows down;
 * - `retry_later`: processed but not deliverable now (30003 unreachable, 30008 unknown, 30001/21611 a sender's
 *   queue is full): retried with backoff; a full queue also rate-limits the send queue;
 * - `permanent`: recorded and never retried (21211 invalid number, 21614 not a mobile, 30005 unknown number,
 *   30006 landline, 30036 its ValidityPeriod passed; SMTP 5xx);
 * - `opt_out`: 21610, the recipient replied STOP to the sender: recorded, and the number added to the STOP list;
 * - `content`: 30007 carrier filtering: the content or the sender must change, so the campaign is paused and
 *   comms are alerted (its other messages would be filtered too);
 * - `account`: 20003 authentication, 21408 region not enabled, 21606 a From that cannot send: the account's
 *   configuration, so the campaign is paused and comms are alerted.
 */
export type ErrorAction = 'retry' | 'retry_later' | 'permanent' | 'opt_out' | 'content' | 'account';

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly action: ErrorAction,
    /** How long the send queue pauses for every worker (a 429 or a full sender queue), ms; 0 = no pause. */
    readonly rateLimitMs = 0,
  ) {
    super(message);
  }

  /** Recorded and not retried (the campaign-pausing classes are not final: they wait for a resume). */
  get permanent(): boolean {
    return this.action === 'permanent' || this.action === 'opt_out';
  }

  /** Pauses the campaign and alerts comms: nothing sent on it would fare better until a person acts. */
  get stopsCampaign(): boolean {
    return this.action === 'content' || this.action === 'account';
  }
}

/** Twilio's error codes by class (https://www.twilio.com/docs/api/errors), with the queue pause they cause. */
export const TWILIO_ERROR_TABLE: Record<number, { action: ErrorAction; rateLimitMs?: number }> = {
  429: { action: 'retry', rateLimitMs: 1000 },
  20429: { action: 'retry', rateLimitMs: 1000 },
  30001: { action: 'retry_later', rateLimitMs: 5000 },
  21611: { action: 'retry_later', rateLimitMs: 5000 },
  30003: { action: 'retry_later' },
  30008: { action: 'retry_later' },
  21211: { action: 'permanent' },
  21614: { action: 'permanent' },
  30005: { action: 'permanent' },
  30006: { action: 'permanent' },
  30036: { action: 'permanent' },
  21610: { action: 'opt_out' },
  30007: { action: 'content' },
  20003: { action: 'account' },
  21408: { action: 'account' },
  21606: { action: 'account' },
};

/** The class of a Twilio error code (a delivery callback's ErrorCode, or an API error), undefined if unknown. */
export function twilioErrorClass(code: number | string | undefined): ErrorAction | undefined {
  return TWILIO_ERROR_TABLE[Number(code)]?.action;
}

/** Classifies what the twilio client threw (a RestException with code/status, or a network error). */
export function classifyTwilioError(e: any): ProviderError {
  const code = Number(e?.code);
  const status = Number(e?.status);
  const message = e?.message ?? 'rejected';
  const known = TWILIO_ERROR_TABLE[code] ?? (status === 401 ? TWILIO_ERROR_TABLE[20003] : undefined);
  if (known)
    return new ProviderError(
      message,
      `twilio:${status === 401 ? 20003 : code}`,
      known.action,
      known.rateLimitMs,
    );
  if (status === 429) return new ProviderError(message, `twilio:${code || 429}`, 'retry', 1000);
  if (Number.isFinite(code) && code > 0) {
    // Another 4xx is a request Twilio will refuse again; a 5xx was not processed.
    const permanent = status >= 400 && status < 500;
    return new ProviderError(message, `twilio:${code}`, permanent ? 'permanent' : 'retry');
  }
  return new ProviderError(e?.message ?? String(e), `net:${e?.code ?? 'error'}`, 'retry');
}

/** Classifies a nodemailer error: an SMTP reply code of 5xx is permanent, anything else transient. */
export function classifySmtpError(e: any): ProviderError {
  const reply = Number(e?.responseCode);
  if (reply >= 500) return new ProviderError(e.message, `smtp:${reply}`, 'permanent');
  if (reply >= 400) return new ProviderError(e.message, `smtp:${reply}`, 'retry');
  return new ProviderError(e?.message ?? String(e), `net:${e?.code ?? 'error'}`, 'retry');
}
