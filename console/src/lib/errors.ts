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

/** What each field is called on the form that sent it: the request's field name → the label a person sees. */
export type FieldLabels = Record<string, string>;

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One field's refusal in the form's words: its label for its name, class-validator's phrases made plain.
 * A field the form never sends (`property x should not exist`) is the console's fault, not the person's.
 */
export function fieldWords(field: string, messages: string[], label: string): string {
  const plain = messages.map((m) =>
    /should not exist/.test(m)
      ? `${label}: the console sent something the server does not accept; tell the Candor team`
      : m
          .replace(new RegExp(`^(each value in )?${esc(field)}\\b`), label)
          .replace(/must be longer than or equal to (\d+) characters/, 'needs at least $1 characters')
          .replace(/must be shorter than or equal to (\d+) characters/, 'must be at most $1 characters')
          .replace(/should not be empty/, 'is needed'),
  );
  return humanise(plain.map((m) => (m.startsWith(label) ? m : `${label}: ${m}`)).join('; '));
}

/** camelCase names the page labels (`whatHappened`) inside a refusal's text → their labels. */
function named(text: string, labels: FieldLabels): string {
  return text.replace(/\b[a-z]+[A-Z][A-Za-z]*\b/g, (m) => labels[m] ?? m);
}

export function toApiError(status: number, body: unknown, labels: FieldLabels = {}): ApiError {
  const raw = (typeof body === 'object' && body ? body : {}) as ErrorBody;
  const b: ErrorBody = {
    ...raw,
    message: raw.message && named(raw.message, labels),
    details: raw.details?.map((d) => ({ field: d.field, messages: d.messages.map((m) => named(m, labels)) })),
  };
  const said = b.message ? humanise(b.message) : '';
  const fields: Record<string, string> = {};
  for (const d of b.details ?? []) fields[d.field] = humanise(d.messages.join('; '));
  if (b.code && BY_CODE[b.code]) return new ApiError(status, BY_CODE[b.code], fields, b.code);
  // the labels the page knows; a field it does not name keeps the server's detail (better than nothing)
  const words = (b.details ?? []).map((d) =>
    labels[d.field]
      ? fieldWords(d.field, d.messages, labels[d.field])
      : d.messages.some((m) => /should not exist/.test(m))
        ? `the console sent something the server does not accept (${d.field}); tell the Candor team`
        : `${d.field} — ${fields[d.field]}`,
  );
  switch (true) {
    case status === 400 && Object.keys(fields).length > 0:
      return new ApiError(status, `Please check: ${words.join('; ')}`, fields);
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
