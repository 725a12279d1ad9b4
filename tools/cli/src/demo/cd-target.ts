import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface HookBody {
  action: 'deploy' | 'rollback';
  stage: string;
  release?: { releaseNumber?: string; number?: string };
  callback?: { url?: string; stage?: string };
}

/**
 * A tiny CD system the demo starts on 127.0.0.1 (ephemeral port): it accepts
 * the release service's deploy webhooks (POST /hook, 202), "runs the
 * pipeline" for a moment and reports the outcome to the callback URL with its
 * own service-account token.
 */
export class DemoCdTarget {
  private server?: Server;
  private readonly pending = new Set<Promise<void>>();
  url = '';
  readonly reports: Array<{ release: string; stage: string; status: number }> = [];

  constructor(
    private readonly callbackToken: string,
    private readonly onEvent: (line: string) => void,
    private readonly pipelineMs = 300,
  ) {}

  get hookUrl(): string {
    return `${this.url}/hook`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req).then(
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
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', resolve);
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'POST' || path !== '/hook') return { status: 404, body: {} };
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HookBody;
    const release = body.release?.releaseNumber ?? body.release?.number ?? '?';
    if (body.action === 'deploy' && body.callback?.url) {
      this.onEvent(`CD system: pipeline for ${release} → ${body.stage} accepted`);
      const url = body.callback.url;
      const stage = body.callback.stage ?? body.stage;
      const p = new Promise<void>((r) => setTimeout(r, this.pipelineMs)).then(() => this.report(url, release, stage));
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    } else if (body.action === 'rollback') {
      this.onEvent(`CD system: rollback of ${release} in ${body.stage}`);
    }
    return { status: 202, body: { pipeline: `cd-${release}-${body.stage}` } };
  }

  private async report(url: string, release: string, stage: string): Promise<void> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.callbackToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stage, outcome: 'succeeded', detail: 'pipeline green' }),
    }).catch(() => undefined);
    this.reports.push({ release, stage, status: res?.status ?? 0 });
    this.onEvent(`CD system: ${release} ${stage} succeeded, reported back (${res?.status ?? 'unreachable'})`);
  }
}
