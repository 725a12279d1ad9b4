import { randomUUID } from 'node:crypto';
import { createKafka, topicForType, toKafkaHeaders, type EventDefinition, type EnvelopeHeaders } from '@itsm/events';
import { signToken, type Role } from '@itsm/http';
import type { RunningService } from '@itsm/runtime';
import { testEnv } from '@itsm/testing';
import type { Producer } from 'kafkajs';
import type { z } from 'zod';

const SECRET = 'itsm-local-development-secret-change-me';

export function token(sub: string, roles: Role[]): Promise<string> {
  return signToken({ sub, name: sub, roles }, { secret: SECRET, issuer: 'itsm-local', audience: 'itsm', expiresIn: '1h' });
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** A tiny HTTP client for one service, as one user. */
export function client(svc: RunningService, tok: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body ?? {}, headers),
    patch: (path: string, body: unknown, headers?: Record<string, string>) => call('PATCH', path, body, headers),
    del: (path: string, headers?: Record<string, string>) => call('DELETE', path, undefined, headers),
  };
}
export type Client = ReturnType<typeof client>;

/**
 * Produces events as another service's outbox relay would: a proper envelope
 * (ce_* headers, the data as value, the subject as key) on the instance's
 * prefixed topic. Stands in for services that are not running in a test.
 */
export class EventProducer {
  private producer?: Producer;
  constructor(private readonly instance: string) {}

  async send<S extends z.ZodType>(
    def: EventDefinition<S>,
    subject: string,
    data: z.input<S>,
    opts: { id?: string; source?: string; occurredAt?: string; version?: number } = {},
  ): Promise<string> {
    if (!this.producer) {
      this.producer = createKafka({ clientId: `${this.instance}test-producer`, brokers: testEnv.kafkaBrokers }).producer();
      await this.producer.connect();
    }
    const id = opts.id ?? randomUUID();
    const now = new Date().toISOString();
    const headers: EnvelopeHeaders = {
      specversion: '1.0',
      id,
      source: opts.source ?? `${def.type.split('.')[1]}-service`,
      type: def.type,
      subject,
      time: now,
      occurredat: opts.occurredAt ?? now,
      ...(opts.version !== undefined ? { version: opts.version } : {}),
      datacontenttype: 'application/json',
      partitionkey: subject,
      correlationid: id,
    };
    await this.producer.send({
      topic: this.instance + topicForType(def.type),
      messages: [{ key: subject, value: JSON.stringify(def.schema.parse(data)), headers: toKafkaHeaders(headers) }],
    });
    return id;
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}

let seq = 0;
/** An incident snapshot as the Incident service's events carry it. */
export function incidentSnapshot(over: Record<string, unknown> = {}) {
  seq += 1;
  const n = `INC${String(Math.floor(Math.random() * 9_000) + 1_000)}${String(seq).padStart(3, '0')}`;
  return {
    id: randomUUID(),
    number: n,
    title: 'Mail relay rejects messages',
    state: 'new',
    impact: 2,
    urgency: 2,
    priority: 3,
    category: 'Email',
    symptom: 'Messages rejected',
    ciId: null as string | null,
    openedAt: new Date().toISOString(),
    ...over,
  };
}

export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
