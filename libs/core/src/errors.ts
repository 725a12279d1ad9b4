/**
 * Typed errors. Domain and service code throws these; the HTTP layer maps them
 * to RFC 9457 problem+json (status, stable `type` from `code`, fields named).
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `title` or `timeline.3.at`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, readonly issues: FieldIssue[] = [], status = 422) {
    super(status, 'VALIDATION_FAILED', message, { errors: issues });
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, code = 'BAD_REQUEST', details: Record<string, unknown> = {}) {
    super(400, code, message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required: send a valid bearer token') {
    super(401, 'UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this', details: Record<string, unknown> = {}) {
    super(403, 'FORBIDDEN', message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super(404, 'NOT_FOUND', `${what} ${id} not found`, { resource: what, id });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT', details: Record<string, unknown> = {}) {
    super(409, code, message, details);
  }
}

export class InvalidTransitionError extends AppError {
  constructor(entity: string, from: string, to: string, details: Record<string, unknown> = {}) {
    super(409, 'INVALID_TRANSITION', `${entity}: transition ${from} → ${to} is not allowed`, { from, to, ...details });
  }
}

export class PreconditionFailedError extends AppError {
  constructor(currentVersion: number, givenVersion: number) {
    super(412, 'VERSION_MISMATCH', `The record is at version ${currentVersion}, not ${givenVersion}: reload it and try again`, {
      currentVersion,
      givenVersion,
    });
  }
}

export class PreconditionRequiredError extends AppError {
  constructor(message = 'This update needs an If-Match header with the version you read (its ETag)') {
    super(428, 'PRECONDITION_REQUIRED', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limit: string) {
    super(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${limit}`, { limit });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
