import type { Logger } from '@itsm/core';
import { SYSTEM_ACTOR } from '../domain/types';
import type { IncidentService } from '../service/incident.service';

/**
 * Auto-close: every `intervalMs`, closes the resolved incidents whose
 * auto-close period (a lifecycle setting, default 5 days) has passed. The due
 * time is computed from `resolved_at` in the database, so nothing is kept in
 * memory: a restart, a crash or a second instance forgets or doubles nothing
 * (rows are locked with SKIP LOCKED while closing).
 */
export function startAutoClose(svc: IncidentService, logger: Logger, intervalMs: number, batch: number): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      for (;;) {
        const closed = await svc.closeDue(SYSTEM_ACTOR, batch);
        if (closed.length) logger.info({ closed }, 'auto-closed resolved incidents');
        if (closed.length < batch || stopped) break;
      }
    } catch (err) {
      logger.error({ err }, 'auto-close pass failed; retrying on the next tick');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, intervalMs);
  };
  running = tick().finally(schedule);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}
