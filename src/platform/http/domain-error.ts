/**
 * What a service throws when a use case cannot go on: a stable `code`, the HTTP status the one error filter
 * answers with, a message a person can read, and optional `details` (field problems). Services throw these,
 * never Nest's HTTP exceptions, so they stay usable from jobs and commands; controllers stay thin.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the input breaks a rule (`details`: `[{ field, messages }]` when it is about fields). */
export class InvalidInput extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid_input', 400, message, details);
  }
}

/** 401: not signed in, or the credentials are wrong. */
export class NotAuthenticated extends DomainError {
  constructor(message = 'Unauthorized') {
    super('not_authenticated', 401, message);
  }
}

/** 403: signed in, but this is not yours to do. */
export class Forbidden extends DomainError {
  constructor(message = 'Forbidden') {
    super('forbidden', 403, message);
  }
}

/** 404: no such thing (or not one the caller may see). */
export class NotFound extends DomainError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

/** 409: the state does not allow it now (already done, changed meanwhile, taken). */
export class Conflict extends DomainError {
  constructor(message: string, details?: unknown) {
    super('conflict', 409, message, details);
  }
}

/** 422: well-formed, but the request cannot be honoured (outside a window, limit reached, not eligible). */
export class Unprocessable extends DomainError {
  constructor(message: string, details?: unknown) {
    super('unprocessable', 422, message, details);
  }
}

/** 429: too many attempts; try again later. */
export class TooManyRequests extends DomainError {
  constructor(message: string) {
    super('too_many_requests', 429, message);
  }
}

/** 503: a dependency is down; try again later. */
export class Unavailable extends DomainError {
  constructor(message: string) {
    super('unavailable', 503, message);
  }
}
