import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './errors';
import { strictBody } from './validation';
import type { AnyRouteDefinition } from './types';

// Once for the platform: services import `z` from '@itsm/http' and get `.openapi()`.
extendZodWithOpenApi(z);
export { z };

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:itsm:problem:validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
    requestId: z.string(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string(), in: z.string().optional() }))
      .optional()
      .openapi({ description: 'The offending fields (400/422)' }),
  })
  .catchall(z.unknown())
  .openapi('Problem', { description: 'RFC 9457 problem details' });

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Malformed request (bad JSON, bad cursor, bad header)',
  401: 'Missing, invalid or expired bearer token',
  403: 'The caller lacks the required role',
  413: 'Request body too large',
  422: 'Invalid input: the offending fields are listed in `errors`',
  500: 'Internal error (the body holds only the request id)',
};

/** `/a/:id/b/:key` -> `/a/{id}/b/{key}` */
export function toOpenApiPath(path: string): string {
  return path.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

const problemContent = { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } };

function responsesOf(def: AnyRouteDefinition): RouteConfig['responses'] {
  const out: RouteConfig['responses'] = {};
  for (const [code, spec] of Object.entries(def.responses)) {
    const status = Number(code);
    out[code] = {
      description: spec.description,
      ...(spec.schema
        ? { content: { 'application/json': { schema: spec.schema } } }
        : status >= 400
          ? { content: problemContent }
          : {}),
      ...(spec.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(spec.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' as const } }]),
            ),
          }
        : {}),
    };
  }
  const hasInput = def.body || def.query || def.params || def.headers || pathParamNames(def.path).length > 0;
  const standard = [401, 403, 500, ...(hasInput ? [422] : []), ...(def.body ? [400, 413] : [])];
  for (const status of standard) {
    out[String(status)] ??= { description: STANDARD_ERRORS[status], content: problemContent };
  }
  return out;
}

/** Registers one route in the OpenAPI registry, from the same schemas that validate it. */
export function registerRoute(registry: OpenAPIRegistry, def: AnyRouteDefinition, params: z.ZodType): void {
  const roles = def.roles.join(', ');
  const description = [def.description, `**Roles:** ${roles} (admin always allowed).`].filter(Boolean).join('\n\n');
  registry.registerPath({
    method: def.method,
    path: toOpenApiPath(def.path),
    summary: def.summary,
    description,
    tags: def.tags,
    ...(def.operationId ? { operationId: def.operationId } : {}),
    security: [{ bearerAuth: [] }],
    'x-roles': [...def.roles],
    request: {
      params: params as z.ZodObject,
      ...(def.query ? { query: def.query } : {}),
      ...(def.headers ? { headers: def.headers } : {}),
      ...(def.body ? { body: { required: true, content: { 'application/json': { schema: strictBody(def.body) } } } } : {}),
    },
    responses: responsesOf(def),
  });
}

/** A registry with the bearer scheme, the Problem schema and the public endpoints. */
export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  registry.register('Problem', ProblemSchema);
  const publicGet = (path: string, summary: string, schema?: z.ZodType, text?: string) =>
    registry.registerPath({
      method: 'get',
      path,
      summary,
      tags: ['operations'],
      security: [],
      responses: {
        200: { description: 'OK', content: schema ? { 'application/json': { schema } } : { [text ?? 'text/plain']: { schema: z.string() } } },
        ...(path === '/readyz' ? { 503: { description: 'A dependency is down', content: { 'application/json': { schema: schema! } } } } : {}),
      },
    });
  publicGet('/healthz', 'Liveness: the process is up', z.object({ status: z.literal('ok') }));
  publicGet(
    '/readyz',
    'Readiness: every dependency answers',
    z.object({
      status: z.enum(['ok', 'unavailable']),
      checks: z.record(z.string(), z.object({ status: z.enum(['ok', 'down']), durationMs: z.number(), error: z.string().optional() })),
    }),
  );
  publicGet('/metrics', 'Prometheus metrics', undefined, 'text/plain');
  return registry;
}

export function generateDocument(registry: OpenAPIRegistry, info: { title: string; version: string; description?: string }) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info,
    security: [{ bearerAuth: [] }],
  });
}

/** Swagger UI for `/docs`, served from the local swagger-ui-dist files, reading `/openapi.json`. */
export function docsHandlers(): RequestHandler[] {
  return [
    ...swaggerUi.serve,
    swaggerUi.setup(undefined, { swaggerOptions: { url: '/openapi.json', persistAuthorization: true } }) as RequestHandler,
  ];
}
