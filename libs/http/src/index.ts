export { createHttpApp } from './app';
export type { HttpApi, HttpAppOptions } from './app';
export { ROLES, assertRole, bearerToken, createTokenVerifier, hasRole, signToken, TokenError } from './auth';
export type { AuthOptions, AuthUser, Role, SignOptions, TokenClaims } from './auth';
export { assertVersion, etag, parseIfMatch, requireIfMatch } from './concurrency';
export {
  PROBLEM_CONTENT_TYPE,
  errorMiddleware,
  problemBody,
  problemType,
  sendProblem,
  toAppError,
} from './errors';
export type { Problem } from './errors';
export {
  IDEMPOTENCY_TABLE,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  canonicalJson,
  idempotencyKeyOf,
  idempotencyMigration,
  purgeIdempotencyKeys,
  requestHash,
  runIdempotent,
} from './idempotency';
export type { IdempotencyInput, IdempotentResult } from './idempotency';
export { UNMATCHED_ROUTE } from './metrics';
export { ProblemSchema, toOpenApiPath, z } from './openapi';
export { decodeCursor, encodeCursor, keysetPage, paginationQuery, sortQuery } from './pagination';
export type { Page, SortColumn, SortDirection, SortField } from './pagination';
export { runReadiness } from './readiness';
export type { CheckResult, ReadinessChecks } from './readiness';
export type { HandlerContext, HandlerResult, HttpMethod, ResponseSpec, RouteDefinition } from './types';
export { coerceQuery, parseInput, strictBody, zodIssues } from './validation';
export type { InputIssue, InputLocation } from './validation';
