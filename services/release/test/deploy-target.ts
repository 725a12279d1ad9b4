import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TargetCall {
  action: 'deploy' | 'rollback';
  stage: string;
  release: string;
  idempotencyKey?: string;
}

/**
 * A small CD system and its environments for the end-to-end test: accepts
 * deploy and rollback webhooks (POST /hook), calls the release service back
 * after a deploy with its own token, and serves one health URL per stage
 * (GET /health/<stage>) that the test can flip to unhealthy.
 */
export class DeployTarget {
  readonly calls: TargetCall[] = [];
  readonly callbackStatuses: number[] = [];
  readonly unhealthy = new Set<string>();
  private server?: Server;
  url = '';

  constructor(private readonly callbackToken: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(err) }));
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  healthUrl(stage: string): string {
    return `${this.url}/health/${stage}`;
  }

  get hookUrl(): string {
    return `${this.url}/hook`;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET' && path.startsWith('/health/')) {
      const stage = path.slice('/health/'.length);
      return this.unhealthy.has(stage) ? { status: 503, body: { status: 'down' } } : { status: 200, body: { status: 'up' } };
    }
    if (req.method === 'POST' && path === '/hook') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        action: 'deploy' | 'rollback';
        stage: string;
        release: { releaseNumber: string };
        callback?: { url?: string; stage: string };
      };
      const key = req.headers['idempotency-key'];
      this.calls.push({ action: body.action, stage: body.stage, release: body.release.releaseNumber, idempotencyKey: typeof key === 'string' ? key : undefined });
      if (body.action === 'deploy' && body.callback?.url) {
        const callback = body.callback;
        // report the outcome a moment later, as a CD pipeline would
        setTimeout(() => void this.report(callback.url!, callback.stage), 100);
      }
      return { status: 202, body: { deploymentId: `cd-${this.calls.length}` } };
    }
    return { status: 404, body: {} };
  }

  private async report(url: string, stage: string): Promise<void> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.callbackToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stage, outcome: 'succeeded', detail: 'pipeline green', pipeline: 'cd-42' }),
    }).catch(() => undefined);
    this.callbackStatuses.push(res?.status ?? 0);
  }
}
