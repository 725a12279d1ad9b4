import { on, releaseEvents, TOPICS } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import { SYSTEM_ACTOR } from '../domain/types';
import type { Services } from '../service/services';

/**
 * Release events carry the changes they deploy (`changeIds`: ids or numbers):
 * deployment started → implement; deployed → implemented (successful);
 * failed → failed; rolled back → backed out. The implemented/failed events
 * carry the changes' problemIds, so the problem service can resolve them.
 */
export function releaseConsumer(s: Services): ConsumerDefinition {
  const ec = (e: { id: string; correlationid: string }) => ({ actor: SYSTEM_ACTOR, correlationId: e.correlationid, causationId: e.id });
  return {
    name: 'release-events',
    topics: [TOPICS.release],
    handlers: [
      on(releaseEvents.deploymentStarted, async (e, trx) => {
        await s.intake.releaseStarted(trx, e.data.release.changeIds, e.data.release, ec(e));
      }),
      on(releaseEvents.deployed, async (e, trx) => {
        await s.intake.releaseOutcome(trx, e.data.release.changeIds, e.data.release, 'successful', ec(e));
      }),
      on(releaseEvents.failed, async (e, trx) => {
        await s.intake.releaseOutcome(trx, e.data.release.changeIds, e.data.release, 'failed', ec(e));
      }),
      on(releaseEvents.rolledBack, async (e, trx) => {
        await s.intake.releaseOutcome(trx, e.data.release.changeIds, e.data.release, 'backed_out', ec(e));
      }),
    ],
  };
}
