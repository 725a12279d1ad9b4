import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import type { Logger } from '@itsm/core';
import type { z } from 'zod';
import { createTokenVerifier, type AuthOptions } from './auth';
import { errorMiddleware, methodNotAllowed, notFoundMiddleware } from './errors';
import { createHttpMetrics } from './metrics';
import { createRegistry, docsHandlers, generateDocument, registerRoute } from './openapi';
import { readinessHandler, type ReadinessChecks } from './readiness';
import { authenticate, authorize, jsonBody, paramsSchema, runHandler } from './route';
import type { AnyRouteDefinition, RouteDefinition } from './types';

export interface HttpAppOptions {
  /** Service name: logs, metrics label `service`, OpenAPI title. */
  service: string;
  version: string;
  logger: Logger;
  auth: AuthOptions;
  /** Named dependency checks for /readyz; each throws (or hangs) when its dependency is down. */
  readiness?: ReadinessChecks;
  /** Per-check timeout for /readyz. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /** JSON body limit (bytes lib syntax). Default '1mb'. Larger bodies get 413. */
  bodyLimit?: string;
  /** OpenAPI info.description. */
  description?: string;
  /** Express `trust proxy` setting, when behind a load balancer. */
  trustProxy?: boolean | number | string;
  /** Collect process metrics (default true). */
  defaultMetrics?: boolean;
}

export interface HttpApi {
  /** The express app (for supertest, or mounting). */
  app: Express;
  /** Per-app Prometheus registry: register the service's own metrics here. */
  metrics: Registry;
  route<
    P extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
    H extends z.ZodType | undefined = undefined,
  >(def: RouteDefinition<P, Q, B, H>): void;
  /** The OpenAPI 3.1 document (generated once per route set). */
  openapi(): object;
  listen(port: number, host?: string): Promise<Server>;
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function requestIdMiddleware(): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
}

function httpLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (_req, res) => (res as express.Response).locals.requestId as string,
    quietReqLogger: true,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
    customProps: (_req, res) => {
      const locals = (res as express.Response).locals ?? {};
      return locals.route ? { route: locals.route, userId: locals.user?.id } : {};
    },
    serializers: {
      // Never headers: no Authorization (or cookies) in logs.
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}

export function createHttpApp(opts: HttpAppOptions): HttpApi {
  const bodyLimit = opts.bodyLimit ?? '1mb';
  const verify = createTokenVerifier(opts.auth);
  const metrics = createHttpMetrics(opts.service, { defaultMetrics: opts.defaultMetrics });
  const registry = createRegistry();
  let document: object | undefined;
  const methodsByPath = new Map<string, Set<string>>();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // ETags carry record versions (see etag()), never body hashes
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);

  app.use(requestIdMiddleware(), httpLogger(opts.logger), metrics.middleware);
  const publicRoute = (path: string, ...handlers: RequestHandler[]) =>
    app.get(path, (_req, res, next) => ((res.locals.route = path), next()), ...handlers);
  publicRoute('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  publicRoute('/readyz', readinessHandler(opts.readiness ?? {}, opts.readinessTimeoutMs ?? 2000, opts.logger));
  publicRoute('/metrics', metrics.handler);
  publicRoute('/openapi.json', (_req, res) => void res.json(api.openapi()));
  app.use('/docs', (_req, res, next) => ((res.locals.route = '/docs'), next()), ...docsHandlers());

  const routes = express.Router();
  const wrongMethod = express.Router();
  app.use(routes, wrongMethod, notFoundMiddleware, errorMiddleware(bodyLimit));

  const api: HttpApi = {
    app,
    metrics: metrics.registry,
    route(def) {
      const d = def as AnyRouteDefinition;
      if (!Array.isArray(d.roles) || d.roles.length === 0) throw new Error(`${d.method} ${d.path}: roles must list at least one role`);
      const params = paramsSchema(d);
      registerRoute(registry, d, params);
      document = undefined;
      const chain: RequestHandler[] = [
        (_req, res, next) => ((res.locals.route = d.path), next()),
        authenticate(verify),
        authorize(d.roles),
        ...(d.body ? [jsonBody(d.bodyLimit ?? bodyLimit)] : []),
        runHandler(d, params, opts.logger),
      ];
      routes[d.method](d.path, ...chain);
      let methods = methodsByPath.get(d.path);
      if (!methods) {
        methods = new Set();
        methodsByPath.set(d.path, methods);
        const known = methods;
        wrongMethod.all(d.path, (_req, res, next) => ((res.locals.route = d.path), next()), methodNotAllowed(() => [...known].sort()));
      }
      methods.add(d.method.toUpperCase());
      if (d.method === 'get') methods.add('HEAD');
    },
    openapi() {
      document ??= generateDocument(registry, { title: `${opts.service} API`, version: opts.version, description: opts.description });
      return document;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const server = host === undefined ? app.listen(port) : app.listen(port, host);
        server.once('listening', () => resolve(server));
        server.once('error', reject);
      });
    },
  };
  return api;
}
