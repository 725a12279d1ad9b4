import { changeEvents, on, TOPICS } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import { SYSTEM_ACTOR } from '../domain/types';
import type { Services } from '../service/services';

/** A change that lists problems (`problemIds`: ids or numbers) was implemented: those problems are resolved with it as their fix. */
export function changeConsumer(s: Services): ConsumerDefinition {
  return {
    name: 'change-events',
    topics: [TOPICS.change],
    handlers: [
      on(changeEvents.implemented, async (e, trx) => {
        const refs = e.data.change.problemIds ?? [];
        if (refs.length === 0) return;
        await s.problems.resolveByChangeIn(
          trx,
          refs,
          { id: e.data.change.id, number: e.data.change.number },
          { actor: SYSTEM_ACTOR, correlationId: e.correlationid, causationId: e.id },
        );
      }),
    ],
  };
}
