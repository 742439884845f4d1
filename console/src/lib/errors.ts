/** An API refusal in words a comms lead or an agent understands (never a state name or SQL). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
    /** The server's stable name of the refusal (`totp_required`, `conflict`, ...), when it gave one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Refusals whose own words the console replaces with plainer ones. */
const BY_CODE: Record<string, string> = {
  totp_required: 'Enter the 6-digit code from your authenticator app.',
  totp_invalid: 'That code did not match. Check your authenticator app and type the code it shows now.',
  totp_enrolment_required: 'Set up an authenticator app first: your role needs one to sign in.',
  interactive_session_required: 'Approvals need a person signed in to the console, not an API key.',
};

/** `pending_approval` → "pending approval": state names become words. */
export function humanise(text: string): string {
  return text.replace(/\b([a-z]+(?:_[a-z0-9]+)+)\b/g, (m) => m.replace(/_/g, ' '));
}

interface ErrorBody {
  message?: string;
  code?: string;
  details?: Array<{ field: string; messages: string[] }>;
}

export function toApiError(status: number, body: unknown): ApiError {
  const b = (typeof body === 'object' && body ? body : {}) as ErrorBody;
  const said = b.message ? humanise(b.message) : '';
  const fields: Record<string, string> = {};
  for (const d of b.details ?? []) fields[d.field] = humanise(d.messages.join('; '));
  if (b.code && BY_CODE[b.code]) return new ApiError(status, BY_CODE[b.code], fields, b.code);
  switch (true) {
    case status === 400 && Object.keys(fields).length > 0:
      return new ApiError(
        status,
        `Please check: ${Object.entries(fields)
          .map(([f, m]) => `${f} — ${m}`)
          .join('; ')}`,
        fields,
      );
    case status === 401:
      return new ApiError(
        status,
        said.includes('password') ? said : 'Your session has ended. Please sign in again.',
      );
    case status === 403:
      return new ApiError(
        status,
        said.includes('reload') ? said : `You cannot do this with your role. ${said}`.trim(),
      );
    case status === 404:
      return new ApiError(status, 'Not found: it may have been removed, or the link is wrong.');
    case status === 409:
      return new ApiError(status, `This was changed by someone else first. Reload and try again. (${said})`);
    case status === 429:
      return new ApiError(status, said || 'Too many attempts. Wait a few minutes and try again.');
    case status >= 500:
      return new ApiError(status, 'Something went wrong on our side. Try again in a moment.');
    default:
      return new ApiError(status, said || `The request was refused (${status}).`, fields);
  }
}
