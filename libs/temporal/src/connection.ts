import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { temporal } from '@temporalio/proto';

export interface TemporalOptions {
  address: string;
  namespace: string;
}

export async function createNativeConnection(opts: TemporalOptions): Promise<NativeConnection> {
  return NativeConnection.connect({ address: opts.address });
}

/** The search attribute names and types the project registers (infra/temporal/search-attributes.json). */
export function searchAttributeDefinitions(): Record<string, string> {
  return JSON.parse(readFileSync(resolve(__dirname, '../../../infra/temporal/search-attributes.json'), 'utf8')) as Record<string, string>;
}

const TYPE = temporal.api.enums.v1.IndexedValueType;
const typeOf: Record<string, number> = {
  Keyword: TYPE.INDEXED_VALUE_TYPE_KEYWORD,
  Text: TYPE.INDEXED_VALUE_TYPE_TEXT,
  Int: TYPE.INDEXED_VALUE_TYPE_INT,
  Double: TYPE.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: TYPE.INDEXED_VALUE_TYPE_BOOL,
  Datetime: TYPE.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: TYPE.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers the project's search attributes on a server that lacks them
 * (a Temporal cluster run with Docker or in production; the local dev
 * server gets them as start flags). Idempotent.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const wanted = searchAttributeDefinitions();
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = Object.entries(wanted).filter(([name]) => !have.has(name));
  if (missing.length) {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([n, t]) => [n, typeOf[t]!])),
    });
  }
  return missing.map(([n]) => n);
}

/** Link to a workflow in the Temporal Web UI. */
export function workflowUiUrl(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
