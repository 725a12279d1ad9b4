import express, { type RequestHandler } from 'express';
import { AppError, type Logger } from '@itsm/core';
import { z } from 'zod';
import { assertRole, bearerToken, TokenError, type AuthUser } from './auth';
import { requestIdOf } from './errors';
import { pathParamNames } from './openapi';
import type { AnyRouteDefinition, HandlerResult } from './types';
import { coerceQuery, parseInput, strictBody } from './validation';

type Verify = (token: string) => Promise<AuthUser>;

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Bearer auth: sets `res.locals.user`; 401 with WWW-Authenticate when missing or invalid. */
export function authenticate(verify: Verify): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = bearerToken(req.headers.authorization);
      if (!token) throw new TokenError('Authentication required: send a bearer token');
      res.locals.user = await verify(token);
      next();
    } catch (e) {
      if (e instanceof TokenError) {
        const description = req.headers.authorization ? `, error="invalid_token", error_description="${e.message}"` : '';
        res.setHeader('WWW-Authenticate', `Bearer realm="itsm"${description}`);
      }
      throw e;
    }
  };
}

export function authorize(roles: AnyRouteDefinition['roles']): RequestHandler {
  return (_req, res, next) => {
    assertRole(res.locals.user as AuthUser, roles);
    next();
  };
}

/** JSON body parsing after auth (strangers cannot make us parse); non-JSON bodies -> 415. */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, type: JSON_TYPES, strict: true });
  return (req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(JSON_TYPES)) {
      next(new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
      return;
    }
    parse(req, res, next);
  };
}

/** The zod schema for path params: the route's, or every `:param` as a required string. */
export function paramsSchema(def: AnyRouteDefinition): z.ZodType {
  if (def.params) return def.params as z.ZodType;
  return z.object(Object.fromEntries(pathParamNames(def.path).map((n) => [n, z.string()])));
}

export function send(res: express.Response, result: HandlerResult | void): void {
  if (!result || res.headersSent) return;
  for (const [h, v] of Object.entries(result.headers ?? {})) res.setHeader(h, v);
  res.status(result.status);
  if (result.body === undefined) res.end();
  else res.json(result.body);
}

const NO_QUERY = z.strictObject({});

/** Validates params, query, headers and body (all issues reported together), then runs the handler. */
export function runHandler(def: AnyRouteDefinition, params: z.ZodType, log: Logger): RequestHandler {
  const body = def.body ? strictBody(def.body as z.ZodType) : undefined;
  // an unknown query parameter (a typo such as openedAfter for openedFrom) is a 422 naming it, never silently ignored
  const query = def.query ? strictBody(def.query as z.ZodType) : NO_QUERY;
  return async (req, res) => {
    const issues: unknown[] = [];
    const attempt = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof AppError && e.status === 422 && Array.isArray(e.details.errors)) {
          issues.push(...e.details.errors);
          return undefined;
        }
        throw e;
      }
    };
    const ctx = {
      params: attempt(() => parseInput(params, req.params, 'params')),
      query: attempt(() => parseInput(query, coerceQuery(query, req.query as Record<string, unknown>), 'query')),
      headers: def.headers ? attempt(() => parseInput(def.headers, req.headers, 'headers')) : {},
      body: body ? attempt(() => parseInput(body, req.body, 'body')) : undefined,
    };
    if (issues.length > 0) {
      const fields = [...new Set(issues.map((i) => (i as { field: string }).field))].join(', ');
      throw new AppError(422, 'VALIDATION_FAILED', `Invalid input: ${fields}`, { errors: issues });
    }
    const requestId = requestIdOf(res);
    const result = await def.handler({
      ...ctx,
      user: res.locals.user as AuthUser,
      req,
      res,
      requestId,
      log: (req as { log?: Logger }).log ?? log.child({ reqId: requestId }),
    });
    send(res, result);
  };
}
