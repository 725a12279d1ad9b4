import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError, isAppError } from '@itsm/core';

/** RFC 9457 problem details, as every error response of the platform carries them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** `VERSION_MISMATCH` -> `urn:itsm:problem:version-mismatch` */
export function problemType(code: string): string {
  return `urn:itsm:problem:${code.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

export function requestIdOf(res: Response): string {
  return (res.locals.requestId as string | undefined) ?? '';
}

/** Errors that body-parser and other http-errors based middleware raise. */
interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

const BODY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' },
  'encoding.unsupported': { status: 415, code: 'UNSUPPORTED_ENCODING', message: 'The content encoding is not supported' },
  'charset.unsupported': { status: 415, code: 'UNSUPPORTED_CHARSET', message: 'The charset is not supported' },
  'request.aborted': { status: 400, code: 'REQUEST_ABORTED', message: 'The request was aborted' },
  'request.size.invalid': { status: 400, code: 'BAD_CONTENT_LENGTH', message: 'The request size does not match Content-Length' },
};

/**
 * Postgres errors that can only come from input a handler let through: mapped to
 * 4xx as a safety net (services validate first), so input never yields a 500.
 */
const PG_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  '23505': { status: 409, code: 'CONFLICT', message: 'A record with the same key already exists' },
  '22001': { status: 422, code: 'VALUE_TOO_LONG', message: 'A value is longer than its field allows' },
  '22P02': { status: 400, code: 'INVALID_INPUT', message: 'A value has the wrong format' },
  '22021': { status: 422, code: 'INVALID_CHARACTER', message: 'A value holds a character that cannot be stored (e.g. NUL)' },
  '22003': { status: 422, code: 'NUMBER_OUT_OF_RANGE', message: 'A number is out of range' },
  '22007': { status: 400, code: 'INVALID_INPUT', message: 'A date or time has the wrong format' },
  '22008': { status: 422, code: 'DATETIME_OUT_OF_RANGE', message: 'A date or time is out of range' },
};

/** Maps anything thrown to an AppError; unknown errors become a plain 500. */
export function toAppError(err: unknown, bodyLimit?: string): AppError {
  if (isAppError(err)) return err;
  const e = (err ?? {}) as HttpLikeError & { code?: unknown; limit?: number };
  if (e.type === 'entity.too.large') {
    return new AppError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${bodyLimit ?? e.limit} bytes`, {
      limit: bodyLimit ?? e.limit,
    });
  }
  if (e.type && BODY_ERRORS[e.type]) {
    const b = BODY_ERRORS[e.type];
    return new AppError(b.status, b.code, b.message);
  }
  if (typeof e.code === 'string' && PG_ERRORS[e.code]) {
    const p = PG_ERRORS[e.code];
    return new AppError(p.status, p.code, p.message);
  }
  if (err instanceof URIError || /^Failed to decode param/.test((err as Error)?.message ?? '')) {
    return new AppError(400, 'MALFORMED_URL', 'The URL has a malformed percent-encoding');
  }
  // Other 4xx from express or its middleware: keep the status, say only its standard phrase.
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const phrase = STATUS_CODES[status] ?? 'Bad Request';
    return new AppError(status, phrase.toUpperCase().replace(/\W+/g, '_'), phrase);
  }
  return new AppError(500, 'INTERNAL_ERROR', 'internal error');
}

/** Builds the problem body. 5xx answers say only "internal error" and the request id. */
export function problemBody(err: AppError, req: Request, res: Response): Problem {
  const requestId = requestIdOf(res);
  const base = {
    type: problemType(err.code),
    title: STATUS_CODES[err.status] ?? 'Error',
    status: err.status,
    instance: req.originalUrl,
    code: err.code,
    requestId,
  };
  if (err.status >= 500) return { ...base, detail: 'internal error' };
  const { type: _t, title: _ti, status: _s, instance: _i, code: _c, requestId: _r, detail: _d, ...details } = err.details;
  return { ...base, detail: err.message, ...details };
}

export function sendProblem(req: Request, res: Response, err: AppError): void {
  if (err.status === 401 && !res.getHeader('WWW-Authenticate')) res.setHeader('WWW-Authenticate', 'Bearer realm="itsm"');
  res.status(err.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemBody(err, req, res)));
}

/** The one error middleware: every error becomes problem+json; 5xx are logged with their stack. */
export function errorMiddleware(bodyLimit: string): ErrorRequestHandler {
  return (err, req, res, next) => {
    const app = toAppError(err, bodyLimit);
    if (app.status >= 500) {
      // pino-http writes this error (with its stack) into the request's one log line.
      (res as Response & { err?: unknown }).err = err;
    }
    if (res.headersSent) {
      next(err);
      return;
    }
    sendProblem(req, res, app);
  };
}

export const notFoundMiddleware: RequestHandler = (req, res) => {
  sendProblem(req, res, new AppError(404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/** 405 for a known path with a method it does not serve. */
export function methodNotAllowed(allowed: () => string[]): RequestHandler {
  return (req, res) => {
    const methods = allowed();
    res.setHeader('Allow', [...methods, 'OPTIONS'].join(', '));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    sendProblem(
      req,
      res,
      new AppError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: ${methods.join(', ')}`, {
        allowed: methods,
      }),
    );
  };
}
