import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

/**
 * Registers the platform's search attributes (infra/temporal/search-attributes.json)
 * on a server, e.g. the time-skipping test server, which refuses unknown ones.
 */
export async function registerSearchAttributes(
  connection: { operatorService: { addSearchAttributes(req: { namespace: string; searchAttributes: Record<string, number> }): Promise<unknown> } },
  namespace = 'default',
): Promise<void> {
  const file = path.resolve(__dirname, '../../../infra/temporal/search-attributes.json');
  const declared = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const searchAttributes: Record<string, number> = {};
  for (const [name, type] of Object.entries(declared)) {
    const code = encodeSearchAttributeIndexedValueType(type.toUpperCase() as SearchAttributeType);
    if (code === undefined) throw new Error(`unknown search attribute type ${type} for ${name}`);
    searchAttributes[name] = code;
  }
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

/** Worker runtime that logs only errors (the test server lacks some capabilities core warns about). */
export function quietRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
  } catch {
    // already installed in this process
  }
}
