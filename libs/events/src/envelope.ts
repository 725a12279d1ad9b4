import { z } from 'zod';

/**
 * The event envelope: CloudEvents 1.0 attributes plus our extensions.
 * On Kafka (binary mode) `data` is the message value, every other attribute a
 * `ce_<name>` header, and the message key is `partitionkey` (the aggregate id),
 * so one aggregate's events stay in order.
 */
export interface EventEnvelope<T = unknown> {
  specversion: '1.0';
  /** uuid; equals the outbox row id; the consumers' dedupe key */
  id: string;
  /** producing service, e.g. `incident-service` */
  source: string;
  /** `itsm.<aggregate>.<past-verb>.v<N>` */
  type: string;
  /** aggregate id (the human number, e.g. INC0000001) */
  subject: string;
  /** when the event was written (ISO-8601 UTC) */
  time: string;
  /** business time of the fact; historical on import (ISO-8601 UTC) */
  occurredat: string;
  /** aggregate version after the change, when the aggregate is versioned */
  version?: number;
  datacontenttype: 'application/json';
  partitionkey: string;
  correlationid: string;
  causationid?: string;
  traceparent?: string;
  data: T;
}

export const envelopeHeaderSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  source: z.string().min(1),
  type: z.string().regex(/^itsm\.[a-z_]+\.[a-z_]+\.v\d+$/),
  subject: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  occurredat: z.iso.datetime({ offset: true }),
  version: z.coerce.number().int().nonnegative().optional(),
  datacontenttype: z.literal('application/json'),
  partitionkey: z.string().min(1),
  correlationid: z.string().min(1),
  causationid: z.string().optional(),
  traceparent: z.string().optional(),
});

export type EnvelopeHeaders = Omit<EventEnvelope, 'data'>;

const HEADER_PREFIX = 'ce_';

export function toKafkaHeaders(env: EnvelopeHeaders): Record<string, string> {
  const h: Record<string, string> = { 'content-type': env.datacontenttype };
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && v !== null) h[HEADER_PREFIX + k] = String(v);
  }
  return h;
}

export function fromKafkaHeaders(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!k.startsWith(HEADER_PREFIX) || v === undefined) continue;
    const val = Array.isArray(v) ? v[v.length - 1] : v;
    if (val !== undefined) out[k.slice(HEADER_PREFIX.length)] = val.toString();
  }
  return out;
}
