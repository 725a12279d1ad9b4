import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@itsm/core';

const bundles = new Map<string, Promise<{ code: string }>>();

/** Bundles workflow code once per process and path (bundling is slow and memory hungry). */
export function workflowBundle(workflowsPath: string): Promise<{ code: string }> {
  let b = bundles.get(workflowsPath);
  if (!b) {
    b = bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
    bundles.set(workflowsPath, b);
    b.catch(() => bundles.delete(workflowsPath));
  }
  return b;
}

const noop = () => undefined;
const quietBundlerLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

export interface WorkerFactoryOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** path of the compiled workflows entry (a package's `workflowsPath`) */
  workflowsPath: string;
  activities: object;
  logger?: Logger;
  options?: Partial<Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowBundle' | 'workflowsPath' | 'activities'>>;
}

export async function createWorker(opts: WorkerFactoryOptions): Promise<Worker> {
  const bundle = await workflowBundle(opts.workflowsPath);
  opts.logger?.info({ taskQueue: opts.taskQueue }, 'temporal worker ready');
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: bundle,
    activities: opts.activities,
    ...opts.options,
  });
}

/**
 * Sends the Temporal SDK's own logs through pino (structured) instead of the
 * console. Call once per process before any connection is made.
 */
export function installTemporalLogger(logger: Logger, level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'WARN'): void {
  const { Runtime, DefaultLogger } = require('@temporalio/worker') as typeof import('@temporalio/worker');
  const sdkLog = logger.child({ component: 'temporal-sdk' });
  try {
    Runtime.install({
      logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
        const fn = l === 'ERROR' ? 'error' : l === 'WARN' ? 'warn' : l === 'INFO' ? 'info' : 'debug';
        sdkLog[fn](meta ?? {}, message);
      }),
    });
  } catch {
    // already installed in this process
  }
}
