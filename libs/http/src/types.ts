import type { Request, Response } from 'express';
import type { Logger } from '@itsm/core';
import type { z } from 'zod';
import type { AuthUser, Role } from './auth';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; for 4xx/5xx without one, the problem+json schema is documented. */
  schema?: z.ZodType;
  /** Documented response headers, e.g. `{ ETag: 'Version of the record' }`. */
  headers?: Record<string, string>;
}

/** What a handler returns: sent as JSON (no body: an empty response). */
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Out<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

export interface HandlerContext<P, Q, B, H> {
  user: AuthUser;
  params: Out<P, Record<string, string>>;
  query: Out<Q, Record<string, never>>;
  body: Out<B, undefined>;
  headers: Out<H, Record<string, never>>;
  req: Request;
  res: Response;
  requestId: string;
  /** Request-scoped logger (carries the request id). */
  log: Logger;
}

export interface RouteDefinition<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
> {
  method: HttpMethod;
  /** Express path syntax (`/api/v1/incidents/:id`); OpenAPI shows `{id}`. */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  /** Roles allowed to call the endpoint (non-empty; `admin` always passes). */
  roles: readonly [Role, ...Role[]];
  /** Path parameters; when omitted every `:param` is a required string. */
  params?: P;
  /** Query schema; values are coerced from strings to the field types. */
  query?: Q;
  /** Body schema. A plain `z.object` is made strict (unknown keys -> 422); pass `z.looseObject` to allow others. */
  body?: B;
  /** Header schema (lower-case names), not strict. */
  headers?: H;
  /** Request body limit for this route (default: the app's `bodyLimit`). */
  bodyLimit?: string;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: HandlerContext<P, Q, B, H>) => Promise<HandlerResult | void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRouteDefinition = RouteDefinition<any, any, any, any>;
