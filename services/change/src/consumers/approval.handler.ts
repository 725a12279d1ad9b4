import { changeEvents, on, TOPICS } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import type { Services } from '../service/services';

/**
 * The service's own events drive its approval workflow: `submitted` starts it
 * (starting twice is harmless), `revised` opens a new round for the new
 * revision, `cancelled` ends it. A Temporal outage fails the handler, which is
 * retried (and the inbox row rolls back with it).
 */
export function approvalConsumer(s: Services): ConsumerDefinition {
  return {
    name: 'approval',
    topics: [TOPICS.change],
    maxAttempts: 10,
    handlers: [
      on(changeEvents.submitted, async (e) => {
        await s.approvals.start(e.data.change.number);
      }),
      on(changeEvents.revised, async (e) => {
        await s.approvals.revise(e.data.change.number);
      }),
      on(changeEvents.cancelled, async (e) => {
        await s.approvals.cancel(e.data.change.number, 'the change was cancelled');
      }),
    ],
  };
}
